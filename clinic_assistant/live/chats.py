"""Live chats in the application database: the waiting list, joining, the lines of a chat.

The lines (``LiveMessage``) are the record of what the nurse and the patient said to each
other, beside the tracker store's transcript; their ids order them, so a stream resumes after
the last line it delivered and never repeats or skips one. Repositories-style: the caller owns
the session and its unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, delete, select
from sqlalchemy.orm import Session

from clinic_assistant.db.models import Flag, LiveChat, LiveMessage, utcnow
from clinic_assistant.flags import FlagService
from clinic_assistant.refusals import Refused

# What the patient sees of a chat; the nurse sees every kind.
PATIENT_KINDS = ("joined", "nurse", "handed_back", "closed")
MAX_NURSE_MESSAGE = 2000
ENDINGS = {"hand_back": "handed_back", "close": "closed"}


class LiveChatError(Refused):
    """Something a nurse cannot do in a chat, with a message for her and a code for URLs."""


@dataclass(frozen=True)
class Waiting:
    """A conversation waiting for a person: its unresolved flag, and the nurse in it, if any."""

    conversation_id: str
    flag_id: int
    reference: str
    level: str
    reason: str
    since: datetime
    nurse: str = ""


def first_name(display_name: str, username: str) -> str:
    return (display_name.split() or [username])[0]


def joined_text(name: str) -> str:
    return f"{name}, a nurse, has joined. What you write now goes to {name}."


def ended_text(name: str, how: str, team_phone: str, emergency: str) -> str:
    if how == "handed_back":
        return (f"{name} has handed you back to the assistant. You can ask it your questions "
                "again; press \"Talk to a nurse\" if you need a person.")  # fmt: skip
    return (f"{name} has closed the chat. If you need the team, call {team_phone}. "
            f"In an emergency call {emergency}.")  # fmt: skip


class LiveChats:
    def __init__(self, session: Session) -> None:
        self.session = session

    # ------------------------------------------------------------------ reading
    def active(self, conversation_id: str) -> LiveChat | None:
        query = select(LiveChat).where(
            LiveChat.conversation_id == conversation_id, LiveChat.status == "active"
        )
        return self.session.scalars(query.order_by(LiveChat.id.desc())).first()

    def waiting(self) -> list[Waiting]:
        """Unresolved flags, most urgent then longest waiting first, with who is in the chat."""
        rank = case(
            (Flag.level == "emergency", 0), (Flag.level == "contact_team_today", 1), else_=2
        )
        flags = self.session.scalars(
            select(Flag).where(Flag.status != "resolved").order_by(rank, Flag.created_at)
        ).all()
        nurses = dict(self.session.execute(
            select(LiveChat.conversation_id, LiveChat.nurse_first_name)
            .where(LiveChat.status == "active")
        ).all())  # fmt: skip
        seen: set[str] = set()
        rows = []
        for flag in flags:
            if flag.conversation_id in seen:
                continue
            seen.add(flag.conversation_id)
            rows.append(Waiting(flag.conversation_id, flag.id, flag.reference, flag.level,
                                flag.reason, flag.created_at,
                                nurses.get(flag.conversation_id, "")))  # fmt: skip
        return rows

    def lines_after(
        self, conversation_id: str, after: int, kinds: tuple[str, ...] | None = None
    ) -> list[LiveMessage]:
        query = select(LiveMessage).where(
            LiveMessage.conversation_id == conversation_id, LiveMessage.id > after
        )
        if kinds is not None:
            query = query.where(LiveMessage.kind.in_(kinds))
        return list(self.session.scalars(query.order_by(LiveMessage.id).limit(500)))

    def forget(self, conversation_ids: list[str]) -> int:
        """Delete the conversations' live chats and their lines (how many lines)."""
        deleted = 0
        for start in range(0, len(conversation_ids), 500):
            batch = conversation_ids[start : start + 500]
            result = self.session.execute(
                delete(LiveMessage).where(LiveMessage.conversation_id.in_(batch))
            )
            deleted += getattr(result, "rowcount", 0) or 0  # a CursorResult for a DELETE
            self.session.execute(delete(LiveChat).where(LiveChat.conversation_id.in_(batch)))
        return deleted

    # ------------------------------------------------------------------ the nurse
    def join(self, conversation_id: str, username: str, display_name: str) -> LiveChat:
        chat = self.active(conversation_id)
        if chat is not None:
            if chat.nurse_username == username:
                return chat
            raise LiveChatError(f"{chat.nurse_first_name} is already in this chat", "taken")
        name = first_name(display_name, username)
        chat = LiveChat(conversation_id=conversation_id, nurse_username=username,
                        nurse_first_name=name, status="active")  # fmt: skip
        self.session.add(chat)
        self.session.flush()
        self._line(chat, "joined", name, joined_text(name))
        self._acknowledge_flag(conversation_id, username)
        return chat

    def say(self, conversation_id: str, username: str, display_name: str, text: str):
        text = text.strip()
        if not text:
            raise LiveChatError("write a message first", "empty")
        if len(text) > MAX_NURSE_MESSAGE:
            raise LiveChatError(f"a message has at most {MAX_NURSE_MESSAGE} characters", "long")
        chat = self._own_chat(conversation_id, username)
        return self._line(chat, "nurse", display_name or username, text)

    def end(self, conversation_id: str, username: str, how: str, team_phone: str,
            emergency: str) -> LiveChat:  # fmt: skip
        if how not in ENDINGS:
            raise ValueError(f"unknown ending {how!r}")
        chat = self._own_chat(conversation_id, username)
        chat.status, chat.ended_at = ENDINGS[how], utcnow()
        text = ended_text(chat.nurse_first_name, chat.status, team_phone, emergency)
        self._line(chat, chat.status, chat.nurse_first_name, text)
        return chat

    def _own_chat(self, conversation_id: str, username: str) -> LiveChat:
        chat = self.active(conversation_id)
        if chat is None:
            raise LiveChatError("no nurse is in this chat now", "not-active")
        if chat.nurse_username != username:
            raise LiveChatError(f"{chat.nurse_first_name} is in this chat", "taken")
        return chat

    def _acknowledge_flag(self, conversation_id: str, username: str) -> None:
        flags = FlagService(self.session)
        flag = flags.flags.open_for_conversation(conversation_id)
        if flag is not None and flag.status == "open":
            flags.acknowledge(flag.id, username, "joined the patient's chat")

    # ------------------------------------------------------------------ the patient's side
    def record_patient(self, chat: LiveChat, message_id: str, text: str) -> None:
        """The patient's message, once (Rasa may run a message's actions again)."""
        if message_id:
            earlier = self.session.scalars(select(LiveMessage.id).where(
                LiveMessage.conversation_id == chat.conversation_id,
                LiveMessage.message_id == message_id, LiveMessage.kind == "patient",
            )).first()  # fmt: skip
            if earlier is not None:
                return
        self._line(chat, "patient", "patient", text, message_id)

    def record_assistant(self, chat: LiveChat, text: str) -> None:
        self._line(chat, "assistant", "assistant", text)

    def _line(self, chat: LiveChat, kind: str, author: str, text: str, message_id: str = ""):
        line = LiveMessage(conversation_id=chat.conversation_id, chat_id=chat.id, kind=kind,
                           author=author, text=text, message_id=message_id)  # fmt: skip
        self.session.add(line)
        self.session.flush()
        return line


def as_event(line: LiveMessage) -> dict:
    """A line as the widget and the console receive it."""
    at = line.at if line.at.tzinfo else line.at.replace(tzinfo=None)
    return {"id": line.id, "kind": line.kind, "author": line.author, "text": line.text,
            "at": at.isoformat()}  # fmt: skip
