"""Measure one trained model for the console's release page: what a candidate would change.

For the frozen NLU test split (``tests/nlu/real_test.yml``) and the real-world yardstick's
information questions (``../shared/eval/realworld-dev.json``): the topic of the intent the
model decides (after its own fallback threshold), right / wrong / fallback, overall and per
topic, and the decision for each message (so two models can be compared message by message).
For the frozen triage set (``tests/triage/unseen.jsonl``): what the model adds to triage, the
learned second opinion's level and whether it reads the message as a symptom report.

Only measures: nothing here is fitted on any of these sets.

Usage (Rasa environment, from the project root):
  python -m clinic_nlu.evaluation.candidate MODEL.tar.gz --out FILE.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
from collections import defaultdict
from pathlib import Path

from clinic_nlu.evaluation.intents import (
    FALLBACK,
    INFORMATION_TOPICS,
    read_labelled,
    topics_of_intents,
)

NOT_SCORED = {"ask_more"}  # needs the conversation before it
FROZEN = Path("tests/nlu/real_test.yml")
TRIAGE = Path("tests/triage/unseen.jsonl")
YARDSTICK = Path("../shared/eval/realworld-dev.json")


def parse_all(model: Path, texts: list[str]) -> list[dict]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))

    async def parse() -> list[dict]:
        return [await agent.parse_message(text) for text in texts]

    return asyncio.run(parse())


def topic_figures(expected: list[str], decided: list[str], topics: dict[str, str]) -> dict:
    """Right / wrong / fallback shares of the reply's topic, overall and per expected topic."""
    per_topic: dict[str, dict[str, int]] = defaultdict(lambda: {"right": 0, "wrong": 0,
                                                                "fallback": 0})  # fmt: skip
    for want, intent in zip(expected, decided, strict=True):
        outcome = ("fallback" if intent == FALLBACK
                   else "right" if topics.get(intent, intent) == want else "wrong")  # fmt: skip
        per_topic[want][outcome] += 1
    total = {k: sum(t[k] for t in per_topic.values()) for k in ("right", "wrong", "fallback")}
    n = len(expected) or 1
    return {
        "messages": len(expected),
        **{k: v / n for k, v in total.items()},
        "per_topic": {t: {**c, "messages": sum(c.values())} for t, c in sorted(per_topic.items())},
        "decided": decided,
    }


def decided_intent(parsed: dict) -> str:
    return (parsed.get("intent") or {}).get("name") or FALLBACK


def evaluate(model: Path, root: Path) -> dict:
    topics = topics_of_intents(root / "data" / "answers")
    frozen = [(t, i) for t, i in read_labelled(root / FROZEN) if i not in NOT_SCORED]
    yardstick_path = (root / YARDSTICK).resolve()
    yardstick = []
    if yardstick_path.exists():
        yardstick = [(i["text"], i["topic"]) for i in json.loads(yardstick_path.read_text())
                     if i["topic"] in INFORMATION_TOPICS and i["urgency"] == "none"]  # fmt: skip
    triage = [json.loads(line) for line in (root / TRIAGE).read_text().splitlines() if line]
    texts = [t for t, _ in frozen] + [t for t, _ in yardstick] + [c["text"] for c in triage]
    parsed = parse_all(model, texts)
    first, second = len(frozen), len(frozen) + len(yardstick)
    frozen_decided = [decided_intent(p) for p in parsed[:first]]
    result = {
        "model": str(model),
        "frozen": topic_figures([topics.get(i, i) for _, i in frozen], frozen_decided, topics),
        "yardstick": topic_figures([t for _, t in yardstick],
                                   [decided_intent(p) for p in parsed[first:second]], topics),
        "triage": [
            [(p.get("triage_opinion") or {}).get("level", ""),
             decided_intent(p) == "report_symptom"]
            for p in parsed[second:]
        ],
    }  # fmt: skip
    result["triage_levels"] = [case["level"] for case in triage]
    return result


def quiet_structured_logs() -> None:
    """Rasa's structlog messages (one per parsed message, with its text) stay out of the output."""
    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("--root", type=Path, default=Path("."))
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    quiet_structured_logs()
    result = evaluate(args.model, args.root)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result))
    frozen, yardstick = result["frozen"], result["yardstick"]
    print(f"frozen split: {frozen['right']:.3f} right, {frozen['wrong']:.3f} wrong, "
          f"{frozen['fallback']:.3f} fallback; yardstick: {yardstick['right']:.3f} right, "
          f"{yardstick['wrong']:.3f} wrong, {yardstick['fallback']:.3f} fallback")  # fmt: skip


if __name__ == "__main__":
    main()
