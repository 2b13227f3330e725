"""The curated-answer catalogue kept as versioned YAML under ``data/answers/``.

``sources.yml`` lists the source documents; every other ``*.yml`` file holds ``answers:``.
Loading checks everything and reports every problem at once, naming the file and answer.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import yaml

from clinic_common.contract import REVIEW_STATUSES, TOPICS

# Topics whose answers carry no medical facts, so they need no source.
UNSOURCED_TOPICS = ("greeting_smalltalk", "fallback", "out_of_scope")
SOURCES_FILE = "sources.yml"
ANSWER_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
ANSWER_FIELDS = {
    "id",
    "topic",
    "title",
    "text",
    "sources",
    "review_status",
    "intents",
    "procedures",
    "keywords",
}


class CatalogueError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("the answer catalogue has problems:\n  " + "\n  ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class SourceEntry:
    key: str
    publisher: str
    document: str
    title: str
    audience: str
    caveats: str = ""
    # Shown to patients beside the publisher ("AI-generated summary written for doctors").
    description: str = ""
    # Answers citing it need a clinician's sign-off (in the console) before they count as
    # reviewed; the YAML can never claim that sign-off.
    requires_clinical_review: bool = False


@dataclass(frozen=True)
class AnswerEntry:
    id: str
    topic: str
    title: str
    text: str
    sources: tuple[str, ...]
    review_status: str
    intents: tuple[str, ...]
    procedures: tuple[str, ...] = ()
    # Words that pick this answer among several for the same intent ("benefit", "tamoxifen").
    keywords: tuple[str, ...] = ()
    position: int = 0
    file: str = field(default="", compare=False)

    def content_hash(self) -> str:
        """Hash of everything seeding copies into the database."""
        content = asdict(self)
        content.pop("file")
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Catalogue:
    sources: dict[str, SourceEntry]
    answers: tuple[AnswerEntry, ...]


def _read_yaml(path: Path, problems: list[str]) -> dict | None:
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        problems.append(f"{path.name}: not valid YAML ({error})")
        return None
    if not isinstance(content, dict):
        problems.append(f"{path.name}: expected a mapping at the top")
        return None
    return content


def _load_sources(path: Path, problems: list[str]) -> dict[str, SourceEntry]:
    content = _read_yaml(path, problems) if path.exists() else None
    if content is None:
        problems.append(f"{path.name}: missing or empty; it must list the source documents")
        return {}
    sources: dict[str, SourceEntry] = {}
    for raw in content.get("sources") or []:
        try:
            entry = SourceEntry(**raw)
        except TypeError as error:
            problems.append(f"{path.name}: source {raw!r}: {error}")
            continue
        if entry.key in sources:
            problems.append(f"{path.name}: source {entry.key!r} is listed twice")
        sources[entry.key] = entry
    return sources


def _text_list(raw: dict, name: str) -> tuple[str, ...]:
    value = raw.get(name) or []
    if isinstance(value, str) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"{name} must be a list of names")
    return tuple(value)


def _check_answer(answer: AnswerEntry, sources: dict[str, SourceEntry]) -> list[str]:
    problems = []
    if not ANSWER_ID.match(answer.id):
        problems.append("id must be lower-case words joined by hyphens")
    if answer.topic not in TOPICS:
        problems.append(f"unknown topic {answer.topic!r}")
    if answer.review_status not in REVIEW_STATUSES:
        problems.append(
            f"review_status must be one of {', '.join(REVIEW_STATUSES)}, "
            f"not {answer.review_status!r}"
        )
    if not answer.title.strip() or not answer.text.strip():
        problems.append("title and text must not be empty")
    unknown = [key for key in answer.sources if key not in sources]
    if unknown:
        problems.append(f"unknown sources {unknown}")
    if answer.review_status == "clinically_approved":
        problems.append("clinically_approved is given by a clinician's sign-off in the console")
    needing_review = [k for k in answer.sources if k in sources and
                      sources[k].requires_clinical_review]  # fmt: skip
    if needing_review and answer.review_status != "needs_clinical_review":
        problems.append(f"cites {needing_review}, so it must start as needs_clinical_review")
    if not answer.sources and answer.topic not in UNSOURCED_TOPICS:
        problems.append("names no source; every medical answer must cite one")
    if not answer.intents:
        problems.append("routes from no intent")
    bad_names = [name for name in answer.intents + answer.procedures if not NAME.match(name)]
    if bad_names:
        problems.append(f"intents and procedures must be snake_case names: {bad_names}")
    if any(not keyword.strip() for keyword in answer.keywords):
        problems.append("keywords must not be empty")
    return problems


def _load_answers(
    path: Path, sources: dict[str, SourceEntry], problems: list[str]
) -> list[AnswerEntry]:
    content = _read_yaml(path, problems)
    if content is None:
        return []
    raw_answers = content.get("answers")
    if not isinstance(raw_answers, list):
        problems.append(f"{path.name}: expected a list under 'answers'")
        return []
    answers = []
    for number, raw in enumerate(raw_answers, start=1):
        if not isinstance(raw, dict):
            problems.append(f"{path.name}: answer {number}: expected a mapping")
            continue
        label = f"{path.name}: answer {raw.get('id', number)}"
        unknown_fields = set(raw) - ANSWER_FIELDS
        missing = {"id", "topic", "title", "text", "review_status", "intents"} - set(raw)
        if unknown_fields or missing:
            problems.append(
                f"{label}: unknown fields {sorted(unknown_fields)}, missing {sorted(missing)}"
            )
            continue
        try:
            answer = AnswerEntry(
                id=str(raw["id"]),
                topic=str(raw["topic"]),
                title=str(raw["title"]).strip(),
                text=" ".join(str(raw["text"]).split()),
                sources=_text_list(raw, "sources"),
                review_status=str(raw["review_status"]),
                intents=_text_list(raw, "intents"),
                procedures=_text_list(raw, "procedures"),
                keywords=tuple(k.lower() for k in _text_list(raw, "keywords")),
                file=path.name,
            )
        except ValueError as error:
            problems.append(f"{label}: {error}")
            continue
        problems.extend(f"{label}: {problem}" for problem in _check_answer(answer, sources))
        answers.append(answer)
    return answers


def load_catalogue(directory: Path) -> Catalogue:
    """Load and check every answer under ``directory``; raise CatalogueError listing problems."""
    problems: list[str] = []
    sources = _load_sources(directory / SOURCES_FILE, problems)
    answers: list[AnswerEntry] = []
    for path in sorted(directory.glob("*.yml")):
        if path.name != SOURCES_FILE:
            answers.extend(_load_answers(path, sources, problems))
    seen: dict[str, str] = {}
    for answer in answers:
        if answer.id in seen:
            problems.append(f"{answer.file}: answer {answer.id} is also in {seen[answer.id]}")
        seen.setdefault(answer.id, answer.file)
    if not answers:
        problems.append(f"{directory}: no answers found")
    if problems:
        raise CatalogueError(problems)
    # Order within a topic follows the files (sorted by name), then the order inside each file.
    ordered = tuple(replace(answer, position=index) for index, answer in enumerate(answers))
    return Catalogue(sources=sources, answers=ordered)
