"""Build the patient-language corpus: split by source page, drop near-duplicates, write the files.

Input: JSON Lines gathered from public pages (``text``, ``intent`` or ``level``, ``source``;
optional ``context``, ``also``, ``note``), each message paraphrased from the page it names.
Output (all committed, all regenerated the same way from the same input):

- ``data/nlu_provenance.csv``: every NLU message with its intent, page and split;
- ``data/nlu/patients/<intent>.yml``: the training split, as Rasa training data;
- ``tests/nlu/real_calibration.yml``: the split the fallback threshold is calibrated on;
- ``tests/nlu/real_test.yml``: the frozen test split, only ever reported;
- ``data/triage/examples.jsonl``: triage training examples (the triage classifier);
- ``tests/triage/unseen.jsonl``: the frozen triage test set, from pages of its own.

Splits are by page (a page's messages all go to one split, chosen from a hash of its address),
so no page is in two splits, and no message comes from a page the yardstick was written from.
Messages too close to a message of another split, or to one of the
real-world yardstick (``../shared/eval``), are dropped: the yardstick is never trained on, and a
near-copy across splits would flatter the test figures.

A later batch is added with ``--add FILE.jsonl ...``: its messages join the training split
only (rows with an ``intent`` the NLU corpus, rows with a ``level`` the triage examples). The
calibration and frozen test splits and the frozen triage set stay exactly as they were frozen;
a new message from a page already in one of them or from a yardstick page is dropped, and so
is one too close to a held-out or yardstick message.

A later frozen set (``clinic_common.corpus.FROZEN_SETS``) is written once with ``--freeze``:
only pages nothing else came from, no message near one we have or one of the yardstick.

Usage: python tools/build_corpus.py GATHER_DIR [--eval ../shared/eval]
       python tools/build_corpus.py --add BATCH.jsonl [BATCH.jsonl ...] [--eval ../shared/eval]
       python tools/build_corpus.py --freeze GATHERED.jsonl tests/triage/unseen_2.jsonl
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from clinic_assistant.similarity import NEAR_DUPLICATE, similarity  # noqa: E402
from clinic_common.corpus import (  # noqa: E402
    FROZEN_SETS,
    FROZEN_TRIAGE_SETS,
    PROVENANCE,
    TRIAGE_EXAMPLES,
    page_key,
    read_provenance,
)

NLU_FILES = ("nlu_options", "nlu_recovery", "nlu_margins", "nlu_conversation")
# Share of pages in each split of the NLU corpus (by a hash of the page address).
CALIBRATION_SHARE, TEST_SHARE = 0.12, 0.22


def split_of(url: str) -> str:
    fraction = int(hashlib.sha256(page_key(url).encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    if fraction < TEST_SHARE:
        return "test"
    if fraction < TEST_SHARE + CALIBRATION_SHARE:
        return "calibration"
    return "train"


def read_jsonl(path: Path) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    # One line each in the generated files: white space folded.
    return [dict(row, text=" ".join(row["text"].split())) for row in rows]


def read_yardstick(eval_dir: Path | None) -> tuple[list[dict], list[dict]]:
    """The yardstick's single messages and conversations (none if it is not there)."""
    if eval_dir is None or not eval_dir.exists():
        return [], []
    single = json.loads((eval_dir / "realworld-dev.json").read_text())
    multi = json.loads((eval_dir / "realworld-dev-multiturn.json").read_text())
    return single, multi


def yardstick_texts(single: list[dict], multi: list[dict]) -> list[str]:
    return [item["text"] for item in single] + [
        turn["text"] for conversation in multi for turn in conversation["turns"]
    ]


def yardstick_pages(single: list[dict], multi: list[dict]) -> set[str]:
    """The pages the yardstick's messages were written from: never a source of ours."""
    return {page_key(item["source"]) for item in [*single, *multi] if item.get("source")}


# When two splits hold near-copies, the copy in the lower split goes: test > calibration > train.
SPLIT_RANK = {"train": 0, "calibration": 1, "test": 2}


def drop_near_duplicates(rows: list[dict], yardstick: list[str]) -> list[dict]:
    """Drop messages near the yardstick, near a message of a higher split, or repeated."""
    texts = [r["text"] for r in rows]
    close = similarity(texts, texts) >= NEAR_DUPLICATE
    near_yardstick = similarity(texts, yardstick).max(axis=1) >= NEAR_DUPLICATE if yardstick \
        else np.zeros(len(rows), dtype=bool)  # fmt: skip
    kept: list[dict] = []
    dropped: dict[str, int] = defaultdict(int)
    seen: set[str] = set()
    for i, row in enumerate(rows):
        rank = SPLIT_RANK[row["split"]]
        if near_yardstick[i]:
            dropped["near a yardstick message"] += 1
        elif any(SPLIT_RANK[rows[j]["split"]] > rank for j in np.nonzero(close[i])[0]):
            dropped["near a message of a test or calibration split"] += 1
        elif " ".join(row["text"].lower().split()) in seen:
            dropped["repeated"] += 1
        else:
            seen.add(" ".join(row["text"].lower().split()))
            kept.append(row)
    for reason, count in dropped.items():
        print(f"  dropped {count}: {reason}")
    return kept


def write_nlu(rows: list[dict]) -> None:
    with open(ROOT / PROVENANCE, "w", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["split", "intent", "text", "source", "context", "also"])
        for row in rows:
            writer.writerow([row["split"], row["intent"], row["text"], row["source"],
                             row.get("context", ""), row.get("also", "")])  # fmt: skip
    by_intent: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        if row["split"] == "train":
            by_intent[row["intent"]].append(row["text"])
    out_dir = ROOT / "data" / "nlu" / "patients"
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("*.yml"):
        old.unlink()
    for intent, texts in sorted(by_intent.items()):
        (out_dir / f"{intent}.yml").write_text(
            "# Generated by tools/build_corpus.py from data/nlu_provenance.csv (train split):\n"
            "# real patients' wording, paraphrased, each from the page named there.\n"
            + rasa_nlu_yaml({intent: texts})
        )
    for split, name in (("calibration", "real_calibration"), ("test", "real_test")):
        grouped: dict[str, list[str]] = defaultdict(list)
        for row in rows:
            # A follow-up only makes sense after the turn before it: not a single-message test.
            if row["split"] == split and not row.get("context"):
                grouped[row["intent"]].append(row["text"])
        header = (
            f"# Generated by tools/build_corpus.py: the {split} split of the patient corpus\n"
            "# (pages of its own; never trained on). Provenance: data/nlu_provenance.csv.\n"
        )
        (ROOT / "tests" / "nlu" / f"{name}.yml").write_text(header + rasa_nlu_yaml(grouped))


def rasa_nlu_yaml(by_intent: dict[str, list[str]]) -> str:
    lines = ['version: "3.1"', "nlu:"]
    for intent in sorted(by_intent):
        lines += [f"  - intent: {intent}", "    examples: |"]
        lines += [f"      - {' '.join(text.split())}" for text in by_intent[intent]]
    return "\n".join(lines) + "\n"


def normalised(text: str) -> str:
    """Case and punctuation aside: one example may not carry two intents."""
    return re.sub(r"[^a-z0-9 ]", "", text.lower()).strip()


# The hand-written training examples: data/nlu/*.yml (the generated patients/ is not globbed).
OLDER_EXAMPLES = ROOT / "data" / "nlu"
EXAMPLE_PREFIX = "      - "


def older_example_lines() -> list[tuple[Path, str]]:
    """Each hand-written example line, with its file."""
    return [(path, line) for path in sorted(OLDER_EXAMPLES.glob("*.yml"))
            for line in path.read_text().splitlines()
            if line.startswith(EXAMPLE_PREFIX)]  # fmt: skip


def example_text(line: str) -> str:
    return line[len(EXAMPLE_PREFIX) :]


def older_examples() -> list[str]:
    return [example_text(line) for _, line in older_example_lines()]


def drop_older_examples_near(held_out: list[str]) -> None:
    """Remove hand-written training examples (data/nlu/*.yml) near a held-out or yardstick one.

    The patient corpus keeps its splits apart by page; the older examples were written without
    pages, so any of them that says what a calibration or test message says goes instead.
    """
    entries = older_example_lines()
    texts = [example_text(line) for _, line in entries]
    near = similarity(texts, held_out).max(axis=1) >= NEAR_DUPLICATE
    doomed = {entry for entry, hit in zip(entries, near, strict=True) if hit}
    for path in sorted({path for path, _ in doomed}):
        lines = path.read_text().splitlines()
        path.write_text("\n".join(line for line in lines if (path, line) not in doomed) + "\n")
    print(f"  dropped {len(doomed)}: older training examples near a held-out or yardstick message")


def write_triage(train: list[dict], unseen: list[dict]) -> None:
    fields = ("text", "level", "source", "note")
    for rows, path in ((train, ROOT / TRIAGE_EXAMPLES),
                       (unseen, ROOT / FROZEN_TRIAGE_SETS[0])):  # fmt: skip
        path.write_text(
            "".join(
                json.dumps({k: r.get(k, "") for k in fields}, ensure_ascii=False) + "\n"
                for r in rows
            )
        )


def add_batches(paths: list[Path], yardstick: list[str], excluded_pages: set[str]) -> None:
    """Add gathered batches to the training split; the held-out splits stay as frozen."""
    rows: list[dict] = list(read_provenance(ROOT / PROVENANCE))
    held_out_pages = {page_key(r["source"]) for r in rows if r["split"] != "train"}
    triage_unseen = read_jsonl(ROOT / FROZEN_TRIAGE_SETS[0])
    later_frozen = [r for path in FROZEN_SETS[1:] if (ROOT / path).exists()
                    for r in read_jsonl(ROOT / path)]  # fmt: skip
    frozen_pages = held_out_pages | {page_key(r["source"]) for r in triage_unseen + later_frozen}
    # Nothing learned from may be near a message of a later frozen set either.
    yardstick = yardstick + [r["text"] for r in later_frozen]
    gathered = [r for path in paths for r in read_jsonl(path)]
    on_yardstick = [r for r in gathered if page_key(r["source"]) in excluded_pages]
    print(f"gathered: {len(gathered)}; dropped {len(on_yardstick)}: from a page of the yardstick")
    gathered = [r for r in gathered if page_key(r["source"]) not in excluded_pages]
    add_triage([r for r in gathered if "level" in r], frozen_pages, triage_unseen, yardstick)
    batch = [dict(r, split="train", new=True) for r in gathered if "intent" in r]
    if not batch:
        return
    unknown = sorted({r["intent"] for r in batch} - {r["intent"] for r in rows})
    if unknown:
        raise SystemExit(f"unknown intents in the batch: {', '.join(unknown)}")
    print(f"NLU messages in the new batches: {len(batch)}")
    on_held_out = [r for r in batch if page_key(r["source"]) in frozen_pages]
    print(f"  dropped {len(on_held_out)}: from a page of a held-out split or the frozen triage set")
    batch = [r for r in batch if page_key(r["source"]) not in frozen_pages]
    older = {normalised(text) for text in older_examples()}
    repeats = [r for r in batch if normalised(r["text"]) in older]
    print(f"  dropped {len(repeats)}: the same words as an older hand-written example")
    batch = [r for r in batch if normalised(r["text"]) not in older]
    # The existing rows come first, so a repeat of one of them is what gets dropped; a new
    # message near a calibration or test message is dropped as the lower split's copy.
    kept = drop_near_duplicates(rows + batch, yardstick)
    write_nlu(kept)
    added = [r for r in kept if r.get("new")]
    pages = {page_key(r["source"]) for r in added}
    print(f"  added to train: {len(added)} messages from {len(pages)} pages")


TRIAGE_LEVELS = ("none", "routine_followup", "contact_team_today", "emergency")


def add_triage(
    batch: list[dict], frozen_pages: set[str], unseen: list[dict], yardstick: list[str]
) -> None:
    """Add gathered symptom descriptions (rows with a ``level``) to the triage training set.

    The frozen triage set stays as it was: a description from one of its pages, or from a page
    of a held-out NLU split, is dropped, and so is one too close to a frozen or yardstick one.
    """
    if not batch:
        return
    wrong = sorted({r["level"] for r in batch} - set(TRIAGE_LEVELS))
    if wrong:
        raise SystemExit(f"unknown triage levels in the batch: {', '.join(wrong)}")
    train = [dict(r, split="train") for r in read_jsonl(ROOT / TRIAGE_EXAMPLES)]
    print(f"triage descriptions in the new batches: {len(batch)}")
    fresh = [dict(r, split="train", new=True) for r in batch
             if page_key(r["source"]) not in frozen_pages]  # fmt: skip
    print(f"  dropped {len(batch) - len(fresh)}: from a page of a held-out split or the frozen "
          "triage set")  # fmt: skip
    frozen = [dict(r, split="test") for r in unseen]
    kept = drop_near_duplicates(train + fresh + frozen, yardstick)
    write_triage([r for r in kept if r["split"] == "train"],
                 [r for r in kept if r["split"] == "test"])  # fmt: skip
    added = [r for r in kept if r.get("new")]
    counts = {level: sum(r["level"] == level for r in added) for level in TRIAGE_LEVELS}
    pages = {page_key(r["source"]) for r in added}
    print(f"  added to triage training: {len(added)} from {len(pages)} pages, {counts}")


def freeze(gathered: Path, out: Path, yardstick: list[str], excluded_pages: set[str]) -> None:
    """Freeze a new test set: pages nothing else came from, no message near any other.

    Rows carry a triage ``level`` or a ``needs_surgeon`` mark. A frozen set is written once;
    nothing is ever fitted on it, and later batches keep away from its pages and messages.
    """
    if out.exists():
        raise SystemExit(f"{out} is frozen already; a frozen set is never rewritten")
    rows = read_jsonl(gathered)
    bad = [r["text"] for r in rows if r.get("level", "none") not in TRIAGE_LEVELS
           or not isinstance(r.get("needs_surgeon", False), bool)
           or ("level" in r) == ("needs_surgeon" in r)]  # fmt: skip
    if bad:
        raise SystemExit(f"rows without one valid level or needs_surgeon mark: {bad[:3]}")
    ours: list[dict] = list(read_provenance(ROOT / PROVENANCE))
    ours += [r for path in (TRIAGE_EXAMPLES, *FROZEN_SETS) if (ROOT / path).exists()
             for r in read_jsonl(ROOT / path)]  # fmt: skip
    used = excluded_pages | {page_key(r["source"]) for r in ours}
    fresh = [r for r in rows if page_key(r["source"]) not in used]
    print(f"{gathered}: {len(rows)} rows; dropped {len(rows) - len(fresh)}: from a page we or "
          "the yardstick used")  # fmt: skip
    # Within the set: repeats and yardstick near-copies go; then anything near a text we have.
    kept = drop_near_duplicates([dict(r, split="test") for r in fresh], yardstick)
    if kept:
        closest = similarity([r["text"] for r in kept], [r["text"] for r in ours]).max(axis=1)
        print(f"  dropped {int((closest >= NEAR_DUPLICATE).sum())}: near a message we have")
        kept = [r for r, s in zip(kept, closest, strict=True) if s < NEAR_DUPLICATE]
    fields = ("text", "level", "needs_surgeon", "source", "note")
    out.write_text("".join(
        json.dumps({k: r[k] for k in fields if k in r}, ensure_ascii=False) + "\n" for r in kept
    ))  # fmt: skip
    counts: dict[str, int] = defaultdict(int)
    for r in kept:
        counts[str(r.get("level", r.get("needs_surgeon")))] += 1
    pages = {page_key(r["source"]) for r in kept}
    print(f"  frozen {out}: {len(kept)} from {len(pages)} pages, {dict(counts)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gathered", type=Path, nargs="?")
    parser.add_argument("--add", type=Path, nargs="+", default=[], metavar="BATCH")
    parser.add_argument("--freeze", type=Path, nargs=2, metavar=("GATHERED", "OUT"))
    parser.add_argument("--eval", type=Path, default=ROOT.parent / "shared" / "eval")
    args = parser.parse_args()
    single, multi = read_yardstick(args.eval)
    yardstick = yardstick_texts(single, multi)
    excluded = yardstick_pages(single, multi)
    print(f"yardstick messages checked against: {len(yardstick)}")
    if args.add:
        add_batches(args.add, yardstick, excluded)
        return
    if args.freeze:
        freeze(args.freeze[0], args.freeze[1], yardstick, excluded)
        return
    if args.gathered is None:
        parser.error("give GATHER_DIR, or --add BATCH.jsonl ...")

    def gathered(name: str) -> list[dict]:
        """A file of the gathering, without anything from a page of the yardstick."""
        rows = read_jsonl(args.gathered / name)
        kept = [r for r in rows if page_key(r["source"]) not in excluded]
        print(f"{name}: dropped {len(rows) - len(kept)} from a page of the yardstick")
        return kept

    unseen = [dict(r, split="test") for r in gathered("triage_unseen.jsonl")]
    unseen_pages = {page_key(r["source"]) for r in unseen}

    nlu = [dict(r, split=split_of(r["source"])) for f in NLU_FILES
           for r in gathered(f"{f}.jsonl")]  # fmt: skip
    print(f"NLU messages gathered: {len(nlu)}")
    # Nothing the model learns from may come from a page of the frozen triage set.
    on_frozen = [r for r in nlu if r["split"] == "train" and page_key(r["source"]) in unseen_pages]
    print(f"  dropped {len(on_frozen)}: training messages from pages of the frozen triage set")
    nlu = [r for r in nlu if not (r["split"] == "train" and page_key(r["source"]) in unseen_pages)]
    nlu = drop_near_duplicates(nlu, yardstick)
    write_nlu(nlu)
    drop_older_examples_near([r["text"] for r in nlu if r["split"] != "train"] + yardstick)
    for split in ("train", "calibration", "test"):
        rows = [r for r in nlu if r["split"] == split]
        pages = {page_key(r["source"]) for r in rows}
        print(f"  {split}: {len(rows)} messages from {len(pages)} pages")

    # Triage: the frozen set's pages are its own; training examples from them are dropped.
    train = [dict(r, split="train") for r in gathered("triage_train.jsonl")]
    shared = [r for r in train if page_key(r["source"]) in unseen_pages]
    print(f"triage: {len(train)} training, {len(unseen)} frozen; "
          f"{len(shared)} training messages from frozen pages dropped")  # fmt: skip
    train = [r for r in train if page_key(r["source"]) not in unseen_pages]
    both = drop_near_duplicates(train + unseen, yardstick)
    write_triage([r for r in both if r["split"] == "train"],
                 [r for r in both if r["split"] == "test"])  # fmt: skip
    for split in ("train", "test"):
        rows = [r for r in both if r["split"] == split]
        counts: dict[str, int] = defaultdict(int)
        for r in rows:
            counts[r["level"]] += 1
        pages = {page_key(r["source"]) for r in rows}
        print(f"  triage {split}: {len(rows)} from {len(pages)} pages, {dict(counts)}")


if __name__ == "__main__":
    main()
