"""Slowing down password guessing without letting anyone lock a real user out.

A hard lock after N failures lets any unauthenticated client lock an admin out, repeatably.
Instead each sign-in attempt waits before its password is checked, and the wait grows with the
recent failures of its address and of the username it names:

- per address, up to ``ADDRESS_CAP`` seconds: one client guessing is slowed hard;
- per username, up to ``ACCOUNT_CAP`` seconds only: guesses spread over many addresses are
  slowed too, but the real user, from their own address, waits a few seconds at worst.

Each attempt counts as a failure *before* it is checked (and is taken back if it succeeds), so
parallel attempts see each other and cannot all slip through at the same low delay. Counting is
by the typed username whether or not such an account exists: unknown users are slowed (and
timed) exactly like real ones. Failures are forgotten ``WINDOW`` after the last one.

The wait itself happens outside any database transaction and off the event loop
(``asyncio.sleep`` in the login route), so guessing never slows other staff's pages.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clinic_assistant.db.models import LoginFailures, utcnow

WINDOW = timedelta(minutes=15)
FREE_FAILURES = 3  # typos: no delay before this many recent failures
BASE_DELAY = 0.5  # seconds after FREE_FAILURES failures, doubled with each further one
ADDRESS_CAP = 30.0
ACCOUNT_CAP = 4.0


def delay_after(failures: int, cap: float) -> float:
    """Seconds to wait before checking an attempt that follows ``failures`` recent failures."""
    if failures < FREE_FAILURES:
        return 0.0
    return min(cap, BASE_DELAY * 2 ** min(failures - FREE_FAILURES, 16))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class LoginThrottle:
    """Failure counts per address and per username, within the caller's unit of work."""

    def __init__(self, session: Session) -> None:
        self.session = session

    @staticmethod
    def keys(address: str, username: str) -> tuple[str, str]:
        return f"address:{address}"[:200], f"account:{username.strip().lower()}"[:200]

    def before_attempt(self, address: str, username: str) -> float:
        """Count this attempt as a failure until it succeeds; return the delay it must wait."""
        address_key, account_key = self.keys(address, username)
        by_address = self._count_one_more(address_key)
        by_account = self._count_one_more(account_key)
        return max(delay_after(by_address - 1, ADDRESS_CAP),
                   delay_after(by_account - 1, ACCOUNT_CAP))  # fmt: skip

    def succeeded(self, address: str, username: str) -> None:
        """Take back this attempt's failure; the account's guesses no longer slow its owner."""
        address_key, account_key = self.keys(address, username)
        row = self.session.get(LoginFailures, address_key)
        if row is not None:
            row.failures = max(0, row.failures - 1)
        self.session.execute(delete(LoginFailures).where(LoginFailures.key == account_key))
        # Guesses at made-up usernames leave a row each: forgotten once they no longer count.
        # (Not compared in Python with the rows loaded: SQLite gives those back without a zone.)
        expired = delete(LoginFailures).where(LoginFailures.last_at < utcnow() - WINDOW)
        self.session.execute(expired.execution_options(synchronize_session=False))

    def failures(self, key: str) -> int:
        row = self.session.get(LoginFailures, key)
        return 0 if row is None or self._expired(row) else row.failures

    def _count_one_more(self, key: str) -> int:
        row = self._locked_row(key)
        if row is None:
            self._insert(key)
            row = self._locked_row(key)
            assert row is not None, "the row was just inserted in this transaction"
        if self._expired(row):
            row.failures = 0
        row.failures += 1
        row.last_at = utcnow()
        self.session.flush()
        return row.failures

    def _locked_row(self, key: str) -> LoginFailures | None:
        # Row-locked on PostgreSQL, so two web app replicas never lose each other's count.
        query = select(LoginFailures).where(LoginFailures.key == key).with_for_update()
        return self.session.scalars(query).first()

    def _insert(self, key: str) -> None:
        # Another replica may insert the same key at the same moment: then use its row.
        try:
            with self.session.begin_nested():
                self.session.add(LoginFailures(key=key, failures=0, last_at=utcnow()))
        except IntegrityError:
            pass

    @staticmethod
    def _expired(row: LoginFailures) -> bool:
        return _aware(row.last_at) + WINDOW < utcnow()
