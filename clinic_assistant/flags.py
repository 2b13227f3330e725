"""Flags for the nurses: raised by triage, one open flag per conversation."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy.orm import Session

from clinic_assistant.db.models import Flag, FlagEvent, Notification, utcnow
from clinic_assistant.db.repositories import FlagRepository, NotificationRepository
from clinic_assistant.refusals import Refused
from clinic_common.contract import URGENT_LEVELS, rank

ASSISTANT = "assistant"
# Unambiguous characters for references read out on the phone (no 0/O, 1/I).
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class FlagError(Refused):
    """A change to a flag that cannot be made, with a message for the nurse."""


@dataclass(frozen=True)
class FlagOutcome:
    flag_id: int
    reference: str
    created: bool
    escalated: bool
    alert: bool


@dataclass(frozen=True)
class Urgency:
    """An open same-day or emergency flag: the conversation stays at its level until resolved."""

    level: str
    reason: str
    reference: str


class FlagService:
    def __init__(self, session: Session) -> None:
        self.flags = FlagRepository(session)
        self.notifications = NotificationRepository(session)
        self.session = session

    def ongoing_urgency(self, conversation_id: str) -> Urgency | None:
        """The conversation's unresolved flag, if it is at an alert level (open or seen)."""
        flag = self.flags.open_for_conversation(conversation_id)
        if flag is None or flag.level not in URGENT_LEVELS:
            return None
        return Urgency(flag.level, flag.reason, flag.reference)

    def _new_reference(self) -> str:
        while True:
            reference = "F-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(5))
            if not self.flags.reference_exists(reference):
                return reference

    def raise_flag(
        self,
        *,
        conversation_id: str,
        message_id: str,
        message_text: str,
        level: str,
        reason: str,
        kind: str,
    ) -> FlagOutcome:
        """Create the conversation's flag, or update its open one; queue an alert if urgent."""
        if level == "none":
            raise ValueError("only a message that needs a person raises a flag")
        flag = self.flags.open_for_conversation(conversation_id)
        if flag is not None and message_id and flag.message_id == message_id:
            # The same message again (a repeat delivery): it was counted and alerted already.
            return FlagOutcome(flag.id, flag.reference, False, False, False)
        if flag is None:
            flag = self._create(conversation_id, message_id, message_text, level, reason, kind)
            created, escalated = True, False
        else:
            created = False
            escalated = self._update(flag, message_id, message_text, level, reason, kind)
        alert = level in URGENT_LEVELS and (created or escalated)
        if alert:
            self.notifications.add(Notification(flag_id=flag.id, level=flag.level))
            self.session.flush()
        return FlagOutcome(flag.id, flag.reference, created, escalated, alert)

    def _create(self, conversation_id, message_id, message_text, level, reason, kind) -> Flag:
        flag = Flag(
            reference=self._new_reference(),
            conversation_id=conversation_id,
            message_id=message_id,
            message_text=message_text,
            level=level,
            reason=reason,
            kind=kind,
            status="open",
            occurrences=1,
        )
        self.flags.add(flag)
        self.session.flush()
        self._event(flag, "raised", f"{level}: {reason}")
        return flag

    def _update(self, flag: Flag, message_id, message_text, level, reason, kind) -> bool:
        flag.occurrences += 1
        flag.message_id, flag.message_text = message_id, message_text
        flag.updated_at = utcnow()
        escalated = rank(level) > rank(flag.level)
        if escalated:
            flag.level, flag.reason, flag.kind = level, reason, kind
            if flag.status == "acknowledged":
                # Worse news after a nurse looked: it needs looking at again.
                flag.status = "open"
            self._event(flag, "escalated", f"{level}: {reason}")
        else:
            self._event(flag, "updated", f"{level}: {reason}")
        return escalated

    def _event(self, flag: Flag, action: str, detail: str, actor: str = ASSISTANT) -> None:
        self.flags.add_event(FlagEvent(flag_id=flag.id, actor=actor, action=action, detail=detail))

    # ------------------------------------------------------------------ staff handling
    def acknowledge(self, flag_id: int, staff: str, note: str = "") -> Flag:
        flag = self._get(flag_id)
        if flag.status != "open":
            raise FlagError(f"flag {flag.reference} is {flag.status}, not open", "not-open")
        flag.status, flag.handled_by = "acknowledged", staff
        flag.acknowledged_at = flag.updated_at = utcnow()
        self._note(flag, note, staff)
        self._event(flag, "acknowledged", note.strip(), actor=staff)
        return flag

    def resolve(self, flag_id: int, staff: str, note: str) -> Flag:
        flag = self._get(flag_id)
        if flag.status == "resolved":
            raise FlagError(f"flag {flag.reference} is already resolved", "already-resolved")
        if not note.strip():
            raise FlagError("say how the flag was resolved", "note-needed")
        flag.status, flag.handled_by = "resolved", staff
        flag.resolved_at = flag.updated_at = utcnow()
        self._note(flag, note, staff)
        self._event(flag, "resolved", note.strip(), actor=staff)
        return flag

    def _get(self, flag_id: int) -> Flag:
        flag = self.flags.get(flag_id)
        if flag is None:
            raise LookupError(f"no flag {flag_id}")
        return flag

    @staticmethod
    def _note(flag: Flag, note: str, staff: str) -> None:
        if note.strip():
            stamp = utcnow().strftime("%Y-%m-%d %H:%M")
            flag.notes = f"{flag.notes}\n[{stamp} {staff}] {note.strip()}".strip()

    def record_callback_number(self, reference: str, phone: str) -> bool:
        flag = self.flags.by_reference(reference)
        if flag is None:
            return False
        flag.callback_phone = phone
        flag.updated_at = utcnow()
        self._event(flag, "callback_number", "the patient left a number for a call back")
        return True
