"""Copy the YAML catalogue into the database without overwriting staff edits.

Running the seed again is harmless: an answer whose YAML did not change is left alone; a YAML
change becomes a new version unless staff edited the answer since it was last seeded, in which
case the staff text is kept and the report says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from clinic_assistant.answers.catalogue import AnswerEntry, Catalogue
from clinic_assistant.db.models import Answer, AnswerVersion, Source, utcnow
from clinic_assistant.db.repositories import AnswerRepository, SourceRepository

SEED_AUTHOR = "seed"


@dataclass
class SeedReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    kept_staff_edits: list[str] = field(default_factory=list)
    unchanged: int = 0
    not_in_catalogue: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [
            f"{len(self.added)} added",
            f"{len(self.updated)} updated",
            f"{self.unchanged} unchanged",
        ]
        if self.kept_staff_edits:
            parts.append(f"staff edits kept for {', '.join(self.kept_staff_edits)}")
        if self.not_in_catalogue:
            parts.append(f"not in the YAML any more: {', '.join(self.not_in_catalogue)}")
        return "answers: " + "; ".join(parts)


def _seed_sources(session: Session, catalogue: Catalogue) -> None:
    repository = SourceRepository(session)
    for entry in catalogue.sources.values():
        source = repository.get(entry.key) or Source(key=entry.key)
        source.publisher = entry.publisher
        source.document = entry.document
        source.title = entry.title
        source.audience = entry.audience
        source.caveats = entry.caveats
        source.description = entry.description
        source.requires_clinical_review = entry.requires_clinical_review
        repository.add(source)


def _new_version(answer: Answer, entry: AnswerEntry, reason: str) -> AnswerVersion:
    return AnswerVersion(
        answer_id=answer.id,
        version=answer.version,
        title=entry.title,
        text=entry.text,
        sources=list(entry.sources),
        review_status=entry.review_status,
        author=SEED_AUTHOR,
        reason=reason,
    )


def _copy_routing(answer: Answer, entry: AnswerEntry) -> None:
    answer.topic = entry.topic
    answer.intents = list(entry.intents)
    answer.procedures = list(entry.procedures)
    answer.keywords = list(entry.keywords)
    answer.position = entry.position


def _copy_content(answer: Answer, entry: AnswerEntry) -> None:
    answer.title = entry.title
    answer.text = entry.text
    answer.sources = list(entry.sources)
    answer.review_status = entry.review_status
    answer.updated_at = utcnow()


def _published_by_seed(repository: AnswerRepository, answer: Answer) -> bool:
    published = [v for v in repository.versions(answer.id) if v.version == answer.version]
    return not published or published[0].author == SEED_AUTHOR


def seed_catalogue(session: Session, catalogue: Catalogue) -> SeedReport:
    report = SeedReport()
    _seed_sources(session, catalogue)
    repository = AnswerRepository(session)
    for entry in catalogue.answers:
        digest = entry.content_hash()
        answer = repository.get(entry.id)
        if answer is None:
            answer = Answer(id=entry.id, version=1, seed_hash=digest)
            _copy_routing(answer, entry)
            _copy_content(answer, entry)
            repository.add(answer)
            repository.add_version(_new_version(answer, entry, f"Added from {entry.file}"))
            report.added.append(entry.id)
            continue
        if answer.seed_hash == digest:
            report.unchanged += 1
            continue
        # Routing belongs to the developers' YAML; content may have been edited by staff.
        _copy_routing(answer, entry)
        if _published_by_seed(repository, answer):
            answer.version += 1
            _copy_content(answer, entry)
            repository.add_version(_new_version(answer, entry, f"Updated from {entry.file}"))
            report.updated.append(entry.id)
        else:
            report.kept_staff_edits.append(entry.id)
        answer.seed_hash = digest
    catalogue_ids = {entry.id for entry in catalogue.answers}
    report.not_in_catalogue = [a.id for a in repository.all() if a.id not in catalogue_ids]
    return report
