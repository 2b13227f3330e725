"""Handling a patient's message exactly once, even when it is delivered twice.

A message can reach the assistant twice: the widget's "Try again" after a lost reply, or
nginx passing a request on to another Rasa server when the first died mid-reply. Each message
carries an id (the widget's, else the one nginx gives the request); under the conversation's
lock, a message whose id the conversation already holds gets the replies it had, and nothing is
run or stored again. (A message whose first attempt produced no reply at all is handled again.)

Rasa's own ``Agent.handle_message`` polls the lock once a second; here it polls every 20 ms,
so a patient's second message, sent while the first is answered, does not wait a second more.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.core.tracker_store import FailSafeTrackerStore, TrackerStore
from rasa.shared.core.events import BotUttered, Event, UserUttered

logger = logging.getLogger(__name__)
# Matched whole (fullmatch): ``$`` would also accept an id ending in a newline.
MESSAGE_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
LOCK_POLL_SECONDS = 0.02


# Set in the metadata of the first message of a conversation that is protected by a secret.
PROTECTED = "clinic_protected"


async def is_protected(store: TrackerStore, sender_id: str) -> bool:
    """Whether the conversation began protected (clinic_nlu.server.channels): then a message must
    carry its secret."""
    finder = getattr(store, "protected", None)
    if finder is not None:
        return finder(sender_id)
    tracker = await store.retrieve(sender_id)
    return tracker is not None and any(
        isinstance(event, UserUttered) and (event.metadata or {}).get(PROTECTED)
        for event in tracker.events
    )


def is_message_id(value: object) -> bool:
    return isinstance(value, str) and MESSAGE_ID.fullmatch(value) is not None


class NotReady(RuntimeError):
    """The server has no model loaded yet."""


def use_primary_tracker_store(agent: Agent) -> None:
    """Let tracker store errors reach the channel instead of Rasa's in-memory fallback.

    With the fallback, a database outage makes Rasa answer from an empty conversation and keep
    it in one server's memory; the patient gets a wrong answer and the transcript loses it.
    Without it, the message fails, the patient is told to call, and nothing is half-stored.
    """
    for holder in (agent, agent.processor):
        store = getattr(holder, "tracker_store", None)
        if isinstance(store, FailSafeTrackerStore):
            holder.tracker_store = store._tracker_store


def replies_after(events: Iterable[dict[str, Any]], message_id: str) -> list[dict[str, Any]] | None:
    """The bot messages that answered the message ``message_id``; None if it never arrived."""
    found, replies = False, []
    for data in events:
        kind = data.get("event")
        if kind == UserUttered.type_name:
            if found:
                break
            found = data.get("message_id") == message_id
        elif found and kind == BotUttered.type_name:
            replies.append(data)
    return replies if found else None


async def earlier_replies(
    store: TrackerStore, sender_id: str, message_id: str
) -> list[dict[str, Any]] | None:
    finder = getattr(store, "replies_to", None)
    if finder is not None:
        return finder(sender_id, message_id)
    tracker = await store.retrieve(sender_id)
    if tracker is None:
        return None
    return replies_after((event.as_dict() for event in tracker.events), message_id)


async def deliver(agent: Agent, message: UserMessage, may_repeat: bool) -> None:
    """Handle ``message`` under its conversation's lock, or resend its replies if it was."""
    if not agent.is_ready():
        raise NotReady("no model loaded")
    sender = message.sender_id
    async with agent.lock_store.lock(sender, wait_time_in_seconds=LOCK_POLL_SECONDS):
        if may_repeat:
            replies = await earlier_replies(agent.tracker_store, sender, message.message_id)
            # No replies means the first attempt failed (say the action server was down);
            # then the message is handled again rather than answered with silence.
            if replies:
                logger.info("message %s was answered before; replies resent", message.message_id)
                for data in replies:
                    bot = Event.from_parameters(data)
                    await message.output_channel.send_response(sender, bot.message())
                return
        await agent.processor.handle_message(message)
