"""Staff editing of curated answers: every save is a new version, drafts until published.

Patients always see the published version (the ``answers`` row). A change published here
reaches them on their next message: the actions read the answer store on every turn.
"""

from __future__ import annotations

import difflib
import html
from dataclasses import dataclass
from datetime import date

import textstat
from sqlalchemy.orm import Session

from clinic_assistant.answers.catalogue import UNSOURCED_TOPICS
from clinic_assistant.answers.service import fill_placeholders
from clinic_assistant.db.models import Answer, AnswerVersion, utcnow
from clinic_assistant.db.repositories import AnswerRepository, SourceRepository

MAX_TEXT = 2000
APPROVED = "clinically_approved"
# What an edit may set; clinically_approved only comes from a clinician's sign-off, and any
# change to the text ends it (the clinician signs the new wording again).
EDITABLE_STATUSES = ("needs_clinical_review", "source_verified")
MAX_NOTE = 1000


class EditError(ValueError):
    """An edit that cannot be saved, with a message for the admin (their input is kept)."""


@dataclass(frozen=True)
class Draft:
    title: str
    text: str
    sources: tuple[str, ...]
    review_status: str
    reason: str


@dataclass(frozen=True)
class SignOff:
    """A clinician's sign-off of the live version: who reviewed it, when, and what they noted."""

    clinician: str
    reviewed_on: date
    note: str


@dataclass(frozen=True)
class Preview:
    text: str
    grade: float
    words: int


def readability(text: str) -> float:
    return round(textstat.flesch_kincaid_grade(text), 1)


def preview(text: str, placeholders: dict[str, str]) -> Preview:
    """The text as a patient would see it, and its reading grade."""
    filled = fill_placeholders(" ".join(text.split()), placeholders)
    return Preview(text=filled, grade=readability(filled) if filled else 0.0,
                   words=len(filled.split()))  # fmt: skip


def word_diff(old: str, new: str) -> str:
    """An HTML diff of two texts, word by word; every word is escaped."""
    old_words, new_words = old.split(), new.split()
    parts = []
    matcher = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(html.escape(" ".join(old_words[a1:a2])))
            continue
        if a2 > a1:
            parts.append(f"<del>{html.escape(' '.join(old_words[a1:a2]))}</del>")
        if b2 > b1:
            parts.append(f"<ins>{html.escape(' '.join(new_words[b1:b2]))}</ins>")
    return " ".join(parts)


class AnswerEditor:
    def __init__(self, session: Session) -> None:
        self.answers = AnswerRepository(session)
        self.sources = SourceRepository(session)
        self.session = session

    def answer(self, answer_id: str) -> Answer:
        answer = self.answers.get(answer_id)
        if answer is None:
            raise LookupError(f"no answer {answer_id!r}")
        return answer

    def versions(self, answer_id: str) -> list[AnswerVersion]:
        return list(self.answers.versions(answer_id))

    def pending_draft(self, answer_id: str) -> AnswerVersion | None:
        """The newest version if it is a draft saved after the published one."""
        versions = self.versions(answer_id)
        answer = self.answer(answer_id)
        newest = versions[-1] if versions else None
        if newest and newest.state == "draft" and newest.version > answer.version:
            return newest
        return None

    def _check(self, answer: Answer, draft: Draft) -> None:
        problems = []
        if not draft.title.strip():
            problems.append("The title must not be empty.")
        if not draft.text.strip():
            problems.append("The text must not be empty.")
        if len(draft.text) > MAX_TEXT:
            problems.append(f"The text must be at most {MAX_TEXT} characters.")
        if draft.review_status not in EDITABLE_STATUSES:
            problems.append("Choose a review status (a clinician signs an answer off below).")
        sources = {source.key: source for source in self.sources.all()}
        if set(draft.sources) - set(sources):
            problems.append("Choose sources from the list.")
        needing = [sources[k].publisher for k in draft.sources
                   if k in sources and sources[k].requires_clinical_review]  # fmt: skip
        if needing and draft.review_status != "needs_clinical_review":
            problems.append(f"An answer from {', '.join(needing)} needs clinical review until a "
                            "clinician signs it off.")  # fmt: skip
        if not draft.sources and answer.topic not in UNSOURCED_TOPICS:
            problems.append("A medical answer must cite at least one source.")
        if not draft.reason.strip():
            problems.append("Say why you are making this change.")
        if problems:
            raise EditError(" ".join(problems))

    def save(self, answer_id: str, draft: Draft, author: str, publish: bool) -> AnswerVersion:
        """Save a new version; publishing also makes it what patients see."""
        answer = self.answer(answer_id)
        self._check(answer, draft)
        number = max([v.version for v in self.versions(answer_id)] + [answer.version]) + 1
        version = AnswerVersion(
            answer_id=answer.id, version=number, title=draft.title.strip(),
            text=" ".join(draft.text.split()), sources=list(draft.sources),
            review_status=draft.review_status, author=author, reason=draft.reason.strip(),
            state="published" if publish else "draft",
        )  # fmt: skip
        self.answers.add_version(version)
        if publish:
            self._publish(answer, version)
        self.session.flush()
        return version

    def publish_draft(self, answer_id: str, author: str) -> AnswerVersion:
        draft = self.pending_draft(answer_id)
        if draft is None:
            raise EditError("There is no draft to publish.")
        draft.state = "published"
        draft.reason = f"{draft.reason} (published by {author})"
        self._publish(self.answer(answer_id), draft)
        return draft

    def revert(self, answer_id: str, to_version: int, author: str) -> AnswerVersion:
        old = next((v for v in self.versions(answer_id) if v.version == to_version), None)
        if old is None:
            raise EditError(f"There is no version {to_version}.")
        if old.review_status == APPROVED:
            # The very wording a clinician signed: the sign-off comes back with it.
            return self._add_published(self.answer(answer_id), old, author,
                                       f"Reverted to version {to_version}")  # fmt: skip
        draft = Draft(old.title, old.text, tuple(old.sources), old.review_status,
                      f"Reverted to version {to_version}")  # fmt: skip
        return self.save(answer_id, draft, author, publish=True)

    def approve(self, answer_id: str, sign_off: SignOff, signer: str) -> AnswerVersion:
        """A clinician signs off the live version: a new version, same content, approved."""
        answer = self.answer(answer_id)
        problems = []
        if self.pending_draft(answer_id):
            problems.append("A draft is waiting: publish or replace it first, so that the "
                            "sign-off is for what patients will read.")  # fmt: skip
        if not sign_off.clinician.strip() or len(sign_off.clinician) > 120:
            problems.append("Give the reviewing clinician's name.")
        if sign_off.reviewed_on > date.today():
            problems.append("The review date cannot be in the future.")
        if not sign_off.note.strip() or len(sign_off.note) > MAX_NOTE:
            problems.append(f"Add a note of at most {MAX_NOTE} characters on what was checked.")
        if problems:
            raise EditError(" ".join(problems))
        approval = AnswerVersion(
            answer_id=answer.id, version=0, title=answer.title, text=answer.text,
            sources=list(answer.sources), review_status=APPROVED, author=signer, reason="",
            approved_by=sign_off.clinician.strip(), approved_on=sign_off.reviewed_on,
            approval_note=sign_off.note.strip(),
        )  # fmt: skip
        reviewed = f"{approval.approved_by} on {sign_off.reviewed_on:%Y-%m-%d}"
        reason = f"Clinically approved by {reviewed} (version {answer.version})"
        reason += f": {approval.approval_note}"
        return self._add_published(answer, approval, signer, reason)

    def _add_published(
        self, answer: Answer, content: AnswerVersion, author: str, reason: str
    ) -> AnswerVersion:
        """A new published version with ``content``'s wording and review (and sign-off)."""
        number = max([v.version for v in self.versions(answer.id)] + [answer.version]) + 1
        version = AnswerVersion(
            answer_id=answer.id, version=number, title=content.title, text=content.text,
            sources=list(content.sources), review_status=content.review_status, author=author,
            reason=reason, state="published", approved_by=content.approved_by,
            approved_on=content.approved_on, approval_note=content.approval_note,
        )  # fmt: skip
        self.answers.add_version(version)
        self._publish(answer, version)
        self.session.flush()
        return version

    def sign_off_of(self, answer: Answer) -> AnswerVersion | None:
        """The live version if a clinician signed it off."""
        live = [v for v in self.versions(answer.id) if v.version == answer.version]
        return live[0] if live and live[0].review_status == APPROVED else None

    @staticmethod
    def _publish(answer: Answer, version: AnswerVersion) -> None:
        answer.title, answer.text = version.title, version.text
        answer.sources, answer.review_status = list(version.sources), version.review_status
        answer.version, answer.updated_at = version.version, utcnow()
