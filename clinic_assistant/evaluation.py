"""``make evaluate``: the running product measured on sets it was never built from, in one run.

Starts the whole product (trained model, Rasa server, action server) on free ports with
databases of its own, then sends, through the patients' REST channel:

1. the frozen triage sets (``clinic_common.corpus.FROZEN_TRIAGE_SETS``: real descriptions from
   pages that neither the rules nor the classifier saw): per level, the share answered at that
   level or a more cautious one, with a 95% Wilson interval, and plain messages raised to an
   urgent level; the frozen needs-surgeon set (``NEEDS_SURGEON_SET``): personal decisions
   flagged for the team, and the same subjects asked in general flagged (false alarms);
2. the frozen NLU test split (``tests/nlu/real_test.yml``): the reply's topic right, wrong, or
   the fallback;
3. the real-world yardstick (``../shared/eval``): its own ``score.py`` and
   ``score_multiturn.py``, unchanged, their output kept whole.

Writes ``results/evaluate.md`` and ``results/evaluate.json``. Nothing here fits anything.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from clinic_common.contract import TRIAGE_LEVELS, URGENT_LEVELS, rank
from clinic_common.corpus import FROZEN_TRIAGE_SETS, NEEDS_SURGEON_SET
from clinic_common.topics import read_labelled, topics_of_intents

NLU_TEST = Path("tests/nlu/real_test.yml")
NLU_CALIBRATION = Path("tests/nlu/real_calibration.yml")
YARDSTICK = Path("../shared/eval")
# Intents whose reply topic is decided by the action server, not a curated answer's topic.
NOT_SCORED = {"ask_more"}  # needs the conversation before it


@dataclass(frozen=True)
class Reply:
    topic: str | None
    level: str
    text: str


def _at_least(floor: int) -> Callable[[dict[str, Any]], bool]:
    return lambda row: rank(row["got"]) >= floor


def _exactly(level: str) -> Callable[[dict[str, Any]], bool]:
    return lambda row: row["got"] == level


def ask(webhook_url: str, text: str, sender: str | None = None) -> Reply:
    """One message as the first of a new conversation; the last topic and the highest level."""
    response = requests.post(
        webhook_url,
        json={"sender": sender or f"eval-{uuid.uuid4().hex[:16]}", "message": text},
        timeout=60,
    )
    response.raise_for_status()
    topic, level, texts = None, "none", []
    for message in response.json():
        texts.append(message.get("text") or "")
        custom = message.get("custom") or {}
        topic = custom.get("topic", topic)
        got = (custom.get("triage") or {}).get("level", "none")
        if rank(got) > rank(level):
            level = got
    return Reply(topic, level, " ".join(t for t in texts if t))


def wilson(successes: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """The 95% Wilson score interval of a proportion."""
    if total == 0:
        return (float("nan"), float("nan"))
    p = successes / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    margin = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return (max(0.0, centre - margin), min(1.0, centre + margin))


def rate(rows: Sequence[dict], ok: Callable[[dict], bool]) -> dict[str, Any]:
    hits = sum(1 for row in rows if ok(row))
    low, high = wilson(hits, len(rows))
    return {"n": len(rows), "hits": hits, "rate": hits / len(rows) if rows else float("nan"),
            "ci95": [round(low, 3), round(high, 3)]}  # fmt: skip


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def triage_report(webhook_url: str, items: Iterable[dict]) -> dict[str, Any]:
    """Per level: answered at that level or more cautious ("safe"), and exactly."""
    rows = []
    for item in items:
        reply = ask(webhook_url, item["text"])
        rows.append({**item, "got": reply.level, "reply": reply.text[:200]})
    report: dict[str, Any] = {"rows": rows}
    for level in TRIAGE_LEVELS:
        of_level = [r for r in rows if r["level"] == level]
        floor = rank(level)
        report[level] = {
            "safe": rate(of_level, _at_least(floor)),
            "exact": rate(of_level, _exactly(level)),
        }
    none_rows = [r for r in rows if r["level"] == "none"]
    report["none"]["raised_to_same_day"] = rate(none_rows, lambda r: r["got"] in URGENT_LEVELS)
    return report


def nlu_report(webhook_url: str, messages: Iterable[tuple[str, str]], answers_dir: Path) -> dict:
    topics = topics_of_intents(answers_dir)
    rows = []
    for text, intent in messages:
        if intent in NOT_SCORED:
            continue
        reply = ask(webhook_url, text)
        rows.append({"text": text, "intent": intent, "expected": topics[intent],
                     "got": reply.topic, "level": reply.level})  # fmt: skip
    plain = [r for r in rows if r["expected"] not in ("red_flag", "needs_surgeon_decision")]
    personal = [r for r in rows if r["expected"] == "needs_surgeon_decision"]
    return {
        "rows": rows,
        "right": rate(rows, lambda r: r["got"] == r["expected"]),
        "wrong": rate(rows, lambda r: r["got"] not in (r["expected"], "fallback")),
        "fallback": rate(rows, lambda r: r["got"] == "fallback"),
        "plain_questions_raised_to_same_day": rate(plain, lambda r: r["level"] in URGENT_LEVELS),
        "plain_questions_flagged": rate(plain, lambda r: r["level"] != "none"),
        "personal_questions_flagged": rate(personal, lambda r: r["level"] != "none"),
    }


def needs_surgeon_report(webhook_url: str, items: Iterable[dict]) -> dict[str, Any]:
    """Questions for the team flagged (any level), and the same subjects in general not."""
    rows = [{**item, "got": ask(webhook_url, item["text"]).level} for item in items]
    personal = [r for r in rows if r["needs_surgeon"]]
    general = [r for r in rows if not r["needs_surgeon"]]
    return {
        "rows": rows,
        "personal_flagged": rate(personal, lambda r: r["got"] != "none"),
        "general_flagged": rate(general, lambda r: r["got"] != "none"),
    }


def yardstick(rasa_url: str, directory: Path) -> dict[str, str]:
    """The yardstick's own scorers, run unchanged against the running product."""
    outputs = {}
    for script in ("score.py", "score_multiturn.py"):
        if not (directory / script).exists():
            outputs[script] = f"not run: {directory / script} is missing"
            continue
        done = subprocess.run(
            [sys.executable, str(directory / script), rasa_url],
            capture_output=True, text=True, timeout=1800, check=False,
        )  # fmt: skip
        outputs[script] = done.stdout + done.stderr
    return outputs


def _line(name: str, result: dict) -> str:
    low, high = result["ci95"]
    return (
        f"| {name} | {result['hits']}/{result['n']} | {result['rate']:.3f} | {low:.3f}-{high:.3f} |"
    )


def markdown(report: dict) -> str:
    nlu = report["nlu"]
    lines = ["# make evaluate", ""]
    for path, triage in zip(FROZEN_TRIAGE_SETS, report["triage"], strict=True):
        lines += [
            f"Frozen triage set `{path}` (answered at the level or more cautious):",
            "",
            "| level | safe | share | 95% interval |",
            "|---|---|---|---|",
        ]
        lines += [_line(level, triage[level]["safe"]) for level in reversed(TRIAGE_LEVELS)]
        lines += [_line("none raised to same-day or emergency",
                        triage["none"]["raised_to_same_day"]), ""]  # fmt: skip
    surgeon = report["needs_surgeon"]
    lines += [
        f"Frozen needs-surgeon set `{NEEDS_SURGEON_SET}` (flagged for the team, any level):",
        "",
        "| measure | count | share | 95% interval |",
        "|---|---|---|---|",
        _line("personal decisions flagged", surgeon["personal_flagged"]),
        _line("the same subjects in general flagged", surgeon["general_flagged"]),
        "",
        f"Frozen NLU test split `{NLU_TEST}` (reply topic):",
        "",
        "| measure | count | share | 95% interval |",
        "|---|---|---|---|",
        _line("right topic", nlu["right"]),
        _line("wrong topic", nlu["wrong"]),
        _line("fallback", nlu["fallback"]),
        _line("plain questions raised to same-day", nlu["plain_questions_raised_to_same_day"]),
        _line("plain questions flagged", nlu["plain_questions_flagged"]),
        _line("personal questions flagged", nlu["personal_questions_flagged"]),
        "",
    ]
    for script, output in report["yardstick"].items():
        lines += [f"`{YARDSTICK / script}`:", "", "```", output.strip(), "```", ""]
    return "\n".join(lines)


def diagnose(rasa_url: str, root: Path) -> dict:
    """The calibration split through the running product: where to look when a figure is off
    (the frozen test split is only ever reported, never read for this)."""
    webhook = f"{rasa_url}/webhooks/rest/webhook"
    split = read_labelled(root / NLU_CALIBRATION)
    return nlu_report(webhook, split, root / "data" / "answers")


def evaluate(rasa_url: str, root: Path) -> dict:
    webhook = f"{rasa_url}/webhooks/rest/webhook"
    return {
        "triage": [triage_report(webhook, read_jsonl(root / path)) for path in FROZEN_TRIAGE_SETS],
        "needs_surgeon": needs_surgeon_report(webhook, read_jsonl(root / NEEDS_SURGEON_SET)),
        "nlu": nlu_report(webhook, read_labelled(root / NLU_TEST), root / "data" / "answers"),
        "yardstick": yardstick(rasa_url, (root / YARDSTICK).resolve()),
    }


def main() -> None:
    from clinic_assistant.provisioning import prepare_database
    from clinic_assistant.runtime.model import RasaEnvironment, train
    from clinic_assistant.runtime.processes import Supervisor
    from clinic_assistant.runtime.stack import Stack, StackConfig, free_port
    from clinic_assistant.settings import PROJECT_ROOT, Settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running assistant's Rasa URL; else one is started")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "results" / "evaluate")
    parser.add_argument(
        "--diagnose", action="store_true", help="the calibration split only, every reply kept"
    )
    args = parser.parse_args()
    run = diagnose if args.diagnose else evaluate
    if args.diagnose:
        args.out = args.out.with_name("diagnose")
    if args.url:
        report = run(args.url, PROJECT_ROOT)
    else:
        model = train(RasaEnvironment.of(Settings.from_env()))
        with tempfile.TemporaryDirectory(prefix="clinic-evaluate-") as temp:
            directory = Path(temp)
            settings = Settings.from_env({
                "CLINIC_ROOT": str(PROJECT_ROOT),
                "CLINIC_DATABASE_URL": f"sqlite:///{directory / 'clinic.db'}",
                "CLINIC_TRACKER_DB": str(directory / "tracker.db"),
                # One address sends every message here: only the per-conversation limit applies.
                "CLINIC_RATE_PER_ADDRESS": "0",
            })  # fmt: skip
            prepare_database(settings)
            config = StackConfig(settings=settings, model=model, run_dir=directory / "run",
                                 rasa_port=free_port(), action_port=free_port(),
                                 web_port=free_port())  # fmt: skip
            stack = Stack(config, Supervisor(log_file=directory / "stack.log"))
            stack.start()
            try:
                report = run(config.rasa_url, PROJECT_ROOT)
            finally:
                stack.stop()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(report, indent=1))
    if args.diagnose:
        print(json.dumps({k: v for k, v in report.items() if k != "rows"}, indent=1))
        return
    text = markdown(report)
    args.out.with_suffix(".md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
