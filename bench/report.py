"""The benchmark report: figures, targets met or missed, and plots (PNG)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no screen
import matplotlib.pyplot as plt

TARGETS = {
    "realistic_50_errors": "realistic patients at 50 conversations: no errors",
    "realistic_50_p95": "realistic 50: p95 at most 1.5x the bare assistant's",
    "saturation_rate": "saturation: at least 0.8x the bare assistant's replies per second",
    "alone_p50": "one conversation alone: p50 at most 60 ms",
    "rasa_memory": "the Rasa server at most 1.5 GB resident",
    "training": "training at most 3 minutes",
}


def targets(result: dict) -> dict[str, tuple[bool, str]]:
    ours, bare = result["ours"]["runs"], result["bare"]["runs"]
    ratio_p95 = ours["realistic-50"]["p95_ms"] / bare["realistic-50"]["p95_ms"]
    rates = [ours[f"saturation-{n}"]["replies_per_second"] /
             bare[f"saturation-{n}"]["replies_per_second"] for n in (10, 50)]  # fmt: skip
    rasa_mb = result["ours"]["memory_peak_mb"].get("rasa", 0)
    return {
        "realistic_50_errors": (ours["realistic-50"]["errors"] == 0,
                                f"{ours['realistic-50']['errors']} errors"),
        "realistic_50_p95": (ratio_p95 <= 1.5, f"{ratio_p95:.2f}x"),
        "saturation_rate": (min(rates) >= 0.8, " / ".join(f"{r:.2f}x" for r in rates)
                            + " (10 / 50 conversations)"),
        "alone_p50": (ours["alone"]["p50_ms"] <= 60, f"{ours['alone']['p50_ms']} ms"),
        "rasa_memory": (rasa_mb <= 1536, f"{rasa_mb:.0f} MB peak"),
        "training": (result["training_seconds"] <= 180, f"{result['training_seconds']:.0f} s"),
    }  # fmt: skip


def _plot_latency(result: dict, out: Path) -> None:
    scenarios = ["alone", "realistic-10", "realistic-50", "saturation-10", "saturation-50"]
    figure, axes = plt.subplots(1, 2, figsize=(11, 4))
    width = 0.38
    for offset, name in ((-width / 2, "bare"), (width / 2, "ours")):
        runs = result[name]["runs"]
        xs = [i + offset for i in range(len(scenarios))]
        axes[0].bar(
            xs,
            [runs[s]["p95_ms"] or 0 for s in scenarios],
            width,
            label="bare rasa init" if name == "bare" else "assistant",
        )
        axes[1].bar([i + offset for i in range(2)],
                    [runs[f"saturation-{n}"]["replies_per_second"] for n in (10, 50)], width,
                    label="bare rasa init" if name == "bare" else "assistant")  # fmt: skip
    axes[0].set_xticks(range(len(scenarios)), scenarios, rotation=20)
    axes[0].set_ylabel("p95 reply latency (ms)")
    axes[0].legend()
    axes[1].set_xticks(range(2), ["saturation-10", "saturation-50"])
    axes[1].set_ylabel("replies per second")
    axes[1].legend()
    figure.tight_layout()
    figure.savefig(out / "latency.png", dpi=110)
    plt.close(figure)


def _plot_nlu(result: dict, out: Path) -> None:
    rows = result["nlu"]["results"]
    names = [r["name"] for r in rows]
    figure, axis = plt.subplots(figsize=(8, 4))
    width = 0.25
    for offset, (key, label) in enumerate((("intent_accuracy", "accuracy"),
                                           ("macro_f1", "macro-F1"),
                                           ("wrong_answer_rate", "wrong answers"))):  # fmt: skip
        axis.bar([i + (offset - 1) * width for i in range(len(rows))],
                 [r["calibrated"][key] for r in rows], width, label=label)  # fmt: skip
    axis.set_xticks(range(len(rows)), names)
    axis.set_ylim(0, 1)
    axis.set_title("Held-out file, each calibrated to at most 2% wrong answers")
    axis.legend()
    figure.tight_layout()
    figure.savefig(out / "nlu.png", dpi=110)
    plt.close(figure)


def _plot_confusion(result: dict, out: Path) -> None:
    project = next(r for r in result["nlu"]["results"] if r["name"] == "project")
    labels = sorted({e for e, _ in project["predictions"]} | {p for _, p in project["predictions"]})
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for expected, predicted in project["predictions"]:
        matrix[index[expected]][index[predicted]] += 1
    figure, axis = plt.subplots(figsize=(11, 10))
    axis.imshow(matrix, cmap="Blues")
    axis.set_xticks(range(len(labels)), labels, rotation=90, fontsize=8)
    axis.set_yticks(range(len(labels)), labels, fontsize=8)
    axis.set_xlabel("predicted (as the assistant acts on it)")
    axis.set_ylabel("expected")
    for i, row in enumerate(matrix):
        for j, count in enumerate(row):
            if count:
                axis.text(j, i, count, ha="center", va="center", fontsize=7,
                          color="white" if count > 8 else "black")  # fmt: skip
    axis.set_title("The assistant's intents on the held-out file")
    figure.tight_layout()
    figure.savefig(out / "confusion.png", dpi=110)
    plt.close(figure)


def _plot_memory(result: dict, out: Path) -> None:
    names, idle, peak = [], [], []
    for system in ("bare", "ours"):
        for process, mb in result[system]["memory_idle_mb"].items():
            names.append(f"{'bare' if system == 'bare' else 'assistant'}: {process}")
            idle.append(mb)
            peak.append(result[system]["memory_peak_mb"][process])
    figure, axis = plt.subplots(figsize=(8, 4))
    axis.barh([i + 0.2 for i in range(len(names))], idle, 0.4, label="idle")
    axis.barh([i - 0.2 for i in range(len(names))], peak, 0.4, label="under load (peak)")
    axis.set_yticks(range(len(names)), names)
    axis.set_xlabel("resident memory (MB)")
    axis.legend()
    figure.tight_layout()
    figure.savefig(out / "memory.png", dpi=110)
    plt.close(figure)


def _run_table(result: dict) -> list[str]:
    lines = ["| scenario | system | replies | errors | replies/s | p50 ms | p95 ms | p99 ms |",
             "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for scenario in result["ours"]["runs"]:
        for system in ("bare", "ours"):
            r = result[system]["runs"][scenario]
            lines.append(f"| {scenario} | {'bare rasa init' if system == 'bare' else 'assistant'} "
                         f"| {r['replies']} | {r['errors']} | {r['replies_per_second']} "
                         f"| {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} |")  # fmt: skip
    return lines


def write_report(result: dict, out: Path) -> None:
    _plot_latency(result, out)
    _plot_nlu(result, out)
    _plot_confusion(result, out)
    _plot_memory(result, out)
    met = targets(result)
    lines = ["# Benchmark report", "",
             f"One run of `make bench` on a {result['machine']['cores']}-core machine, loopback "
             f"only ({result['bench_seconds']:.0f} s in all). Ratios are to the bare `rasa init` "
             "assistant measured in the same run.", "", "## Targets", "",
             "| target | met | measured |", "|---|---|---|"]  # fmt: skip
    lines += [
        f"| {TARGETS[k]} | {'yes' if ok else 'NO'} | {text} |" for k, (ok, text) in met.items()
    ]
    lines += ["", "## NLU quality on the held-out file", "",
              f"{result['nlu']['messages']} messages (`{result['nlu']['heldout']}`). "
              "\"as configured\": each system's own fallback threshold (none for the two "
              "baselines); \"calibrated\": a threshold on its confidence chosen on this file for "
              "at most 2% wrong answers.", "",
              "| system | training s | accuracy (as configured) | wrong answers (as configured) "
              "| accuracy (calibrated) | macro-F1 (calibrated) | wrong answers (calibrated) |",
              "|---|---|---|---|---|---|---|"]  # fmt: skip
    for r in result["nlu"]["results"]:
        a, c = r["as_configured"], r["calibrated"]
        lines.append(f"| {r['name']} | {r['training_seconds'] or '-'} | {a['intent_accuracy']:.3f} "
                     f"| {a['wrong_answer_rate']:.3f} | {c['intent_accuracy']:.3f} "
                     f"| {c['macro_f1']:.3f} | {c['wrong_answer_rate']:.3f} |")  # fmt: skip
    lines += ["", "![NLU quality](nlu.png)", "", "![Confusion matrix](confusion.png)", "",
              "## Triage", "", f"{result['triage']['cases']} cases of `tests/triage/cases.yml`, "
              f"{result['triage']['per_message_ms']} ms a message.", "",
              "| level | cases | recall | precision |", "|---|---|---|---|"]  # fmt: skip
    for level, r in result["triage"]["levels"].items():
        lines.append(f"| {level} | {r['cases']} | {r['recall']:.1%} | {r['precision']:.1%} |")
    lines += [
        "",
        "## Load",
        "",
        "Realistic patients: multi-turn conversations with a 2-4 s "
        "pause between a reply and the next message. Saturation: back to back.",
        "",
    ]
    lines += _run_table(result)
    lines += ["", "![Latency and throughput](latency.png)", "", "## Resources", "",
              f"- Training from nothing (no cache): {result['training_seconds']:.0f} s.",
              f"- Cold start until the first reply: assistant "
              f"{result['ours']['cold_start_seconds']} s, bare assistant "
              f"{result['bare']['cold_start_seconds']} s.", "",
              "| process | idle MB | peak under load MB |", "|---|---|---|"]  # fmt: skip
    for system in ("bare", "ours"):
        for process, mb in result[system]["memory_idle_mb"].items():
            peak = result[system]["memory_peak_mb"][process]
            label = "bare rasa init" if system == "bare" else "assistant"
            lines.append(f"| {label}: {process} | {mb} | {peak} |")
    lines += ["", "![Memory](memory.png)", ""]
    (out / "report.md").write_text("\n".join(lines))
