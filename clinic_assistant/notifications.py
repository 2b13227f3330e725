"""Alerting staff about urgent flags, reliably.

Flags queue a ``Notification`` in the same transaction that raises them (an outbox), so a flag
and its alert are never lost. A ``Dispatcher`` delivers due notifications, retrying failures
with growing delays and logging each one; a background thread runs it in the action server.
Each notification is claimed before sending, so several servers never send the same one twice.
"""

from __future__ import annotations

import logging
import smtplib
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Protocol

from clinic_assistant.db import Database
from clinic_assistant.db.models import Flag, FlagEvent, utcnow
from clinic_assistant.db.repositories import FlagRepository, NotificationRepository
from clinic_assistant.settings import EmailSettings

logger = logging.getLogger(__name__)

# Delay before each retry; after the last one the notification is marked failed.
RETRY_DELAYS = (
    timedelta(seconds=10), timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15),
    timedelta(hours=1),
)  # fmt: skip
# A claim older than this belongs to a worker that died mid-send.
CLAIM_TIMEOUT = timedelta(minutes=5)


class Notifier(Protocol):
    channel: str

    def send(self, flag: Flag) -> None:
        """Deliver an alert about the flag, or raise."""


class EmailNotifier:
    channel = "email"

    def __init__(self, settings: EmailSettings, console_url: str, timeout: float = 10.0) -> None:
        self.settings = settings
        self.console_url = console_url
        self.timeout = timeout

    def message(self, flag: Flag) -> EmailMessage:
        message = EmailMessage()
        urgency = "EMERGENCY" if flag.level == "emergency" else "URGENT"
        message["Subject"] = f"[{urgency}] Patient flag {flag.reference}: {flag.reason}"
        message["From"] = self.settings.sender
        message["To"] = ", ".join(self.settings.recipients)
        message.set_content(
            "The chat assistant flagged a patient conversation.\n\n"
            f"Level:        {flag.level}\n"
            f"Reason:       {flag.reason}\n"
            f"Reference:    {flag.reference}\n"
            f"Conversation: {flag.conversation_id}\n"
            f"Raised at:    {flag.created_at:%Y-%m-%d %H:%M} UTC\n\n"
            f"The patient wrote:\n  {flag.message_text}\n\n"
            f"Open the flag: {self.console_url}/flags/{flag.id}\n"
        )
        return message

    def send(self, flag: Flag) -> None:
        settings = self.settings
        with smtplib.SMTP(settings.host, settings.port, timeout=self.timeout) as smtp:
            if settings.starttls:
                smtp.starttls()
            if settings.username:
                smtp.login(settings.username, settings.password)
            smtp.send_message(self.message(flag))


class Dispatcher:
    """Delivers the notifications that are due. ``notifier`` None: nothing is configured."""

    def __init__(
        self,
        database: Database,
        notifier: Notifier | None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.database = database
        self.notifier = notifier
        self.clock = clock

    def deliver_due(self) -> int:
        """Try every due notification once; return how many were sent."""
        now = self.clock()
        with self.database.unit_of_work() as session:
            due = NotificationRepository(session).due_ids(now, now - CLAIM_TIMEOUT)
        return sum(self._deliver(notification_id) for notification_id in due)

    def _deliver(self, notification_id: int) -> bool:
        now = self.clock()
        with self.database.unit_of_work() as session:
            if not NotificationRepository(session).claim(notification_id, now, now - CLAIM_TIMEOUT):
                return False
        error = ""
        if self.notifier is not None:
            with self.database.unit_of_work() as session:
                notification = NotificationRepository(session).require(notification_id)
                flag = FlagRepository(session).require(notification.flag_id)
                try:
                    self.notifier.send(flag)
                except (OSError, smtplib.SMTPException) as failure:
                    error = f"{type(failure).__name__}: {failure}"
        with self.database.unit_of_work() as session:
            return self._record(session, notification_id, error)

    def _record(self, session, notification_id: int, error: str) -> bool:
        now = self.clock()
        notification = NotificationRepository(session).require(notification_id)
        flags = FlagRepository(session)
        notification.attempts += 1
        notification.claimed_at = None
        if self.notifier is None:
            notification.status = "not_configured"
            logger.warning(
                "flag %s: no alert channel is configured (set CLINIC_SMTP_HOST and "
                "CLINIC_ALERT_TO); the flag is in the nurses' queue only",
                notification.flag_id,
            )
            return False
        if not error:
            notification.status, notification.sent_at, notification.last_error = "sent", now, ""
            flags.add_event(
                FlagEvent(
                    flag_id=notification.flag_id,
                    actor="assistant",
                    action="notified",
                    detail=f"{notification.channel} sent",
                )
            )
            logger.info("flag %s: %s alert sent", notification.flag_id, notification.channel)
            return True
        notification.last_error = error
        if notification.attempts > len(RETRY_DELAYS):
            notification.status = "failed"
            flags.add_event(
                FlagEvent(
                    flag_id=notification.flag_id,
                    actor="assistant",
                    action="notification_failed",
                    detail=error,
                )
            )
            logger.error(
                "flag %s: alert failed after %s attempts: %s",
                notification.flag_id,
                notification.attempts,
                error,
            )
        else:
            notification.status = "pending"
            notification.next_attempt_at = now + RETRY_DELAYS[notification.attempts - 1]
            logger.warning(
                "flag %s: alert attempt %s failed (%s); retrying at %s",
                notification.flag_id,
                notification.attempts,
                error,
                notification.next_attempt_at.isoformat(),
            )
        return False


class BackgroundDispatcher:
    """Runs a Dispatcher in a thread with an explicit lifecycle.

    ``start`` (at the server's start-up) sends what is already due, whatever process queued it
    (an alert left pending by a process that stopped, a retry whose time has come), then
    ``deliver_due`` runs again whenever ``nudge`` says a turn queued an alert and every
    ``interval`` seconds for retries. ``stop`` ends the thread (at the server's shutdown).
    """

    def __init__(self, dispatcher: Dispatcher, interval: float = 5.0) -> None:
        self.dispatcher = dispatcher
        self.interval = interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        with self._lock:
            if self.running:
                return
            self._stop.clear()
            self._wake.set()  # drain at once: an earlier process may have left alerts pending
            self._thread = threading.Thread(
                target=self._run, name="notification-dispatcher", daemon=True
            )
            self._thread.start()

    def nudge(self) -> None:
        """A turn queued an alert: deliver it now rather than at the next tick."""
        if not self.running:
            logger.warning("no alert worker runs in this process; the alert waits for one")
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                self.dispatcher.deliver_due()
            except Exception:  # a database hiccup must not kill the thread
                logger.exception("delivering notifications failed; will try again")

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=15)
