"""Staff accounts, passwords, sessions and CSRF tokens.

Passwords are hashed with Argon2id. A session is a random token in an HttpOnly cookie; only its
SHA-256 is stored, so a copy of the database does not sign anyone in. Sessions end after a
period of inactivity. Every form carries the session's CSRF token. Repeated failed logins lock
the account for a while, and each failure is slowed down.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.orm import Session

from clinic_assistant.db.models import STAFF_ROLES, AuditEvent, StaffMember, StaffSession, utcnow
from clinic_assistant.db.repositories import AuditRepository, SessionRepository, StaffRepository

MAX_FAILED_LOGINS = 5
LOCK_DURATION = timedelta(minutes=15)
FAILED_LOGIN_DELAY = 0.5  # seconds, on every failure
MIN_PASSWORD_LENGTH = 10
_hasher = PasswordHasher()


class AccountError(ValueError):
    """A staff account change that cannot be made, with a message for the person."""


@dataclass(frozen=True)
class StaffContext:
    """The signed-in staff member, as a request sees them."""

    id: int
    username: str
    display_name: str
    role: str
    csrf_token: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def _as_aware(moment: datetime | None) -> datetime | None:
    """SQLite gives back naive datetimes; everything here is UTC."""
    from datetime import UTC

    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def audit(session: Session, actor: str, action: str, target: str = "", detail: str = "",
          address: str = "") -> None:  # fmt: skip
    AuditRepository(session).add(
        AuditEvent(actor=actor, action=action, target=target, detail=detail, address=address)
    )


class Accounts:
    """Signing in and out, and managing staff accounts, within one unit of work."""

    def __init__(self, session: Session, inactivity: timedelta) -> None:
        self.session = session
        self.staff = StaffRepository(session)
        self.sessions = SessionRepository(session)
        self.inactivity = inactivity

    # ------------------------------------------------------------------ signing in
    def sign_in(self, username: str, password: str, address: str) -> tuple[str, StaffMember]:
        """Check the password; return a new session token. Raises AccountError."""
        member = self.staff.by_username(username)
        now = utcnow()
        if (
            member is not None
            and _as_aware(member.locked_until)
            and (_as_aware(member.locked_until) > now)
        ):
            audit(self.session, member.username, "login_locked", address=address)
            raise AccountError("Too many failed attempts. Try again in 15 minutes.")
        if member is None or not member.active or not self._verify(member, password):
            self._failed(member, username, address)
            raise AccountError("The username or password is not right.")
        member.failed_logins, member.locked_until, member.last_login_at = 0, None, now
        token = secrets.token_urlsafe(32)
        self.sessions.add(
            StaffSession(
                token_hash=hash_token(token),
                staff_id=member.id,
                csrf_token=secrets.token_urlsafe(32),
            )
        )
        audit(self.session, member.username, "login", address=address)
        return token, member

    def _verify(self, member: StaffMember, password: str) -> bool:
        try:
            _hasher.verify(member.password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        if _hasher.check_needs_rehash(member.password_hash):
            member.password_hash = _hasher.hash(password)
        return True

    def _failed(self, member: StaffMember | None, username: str, address: str) -> None:
        if member is not None:
            member.failed_logins += 1
            if member.failed_logins >= MAX_FAILED_LOGINS:
                member.locked_until = utcnow() + LOCK_DURATION
                audit(self.session, member.username, "account_locked", address=address)
        audit(self.session, username.strip().lower()[:80], "login_failed", address=address)
        # Slow down guessing; the same delay whether or not the account exists.
        time.sleep(FAILED_LOGIN_DELAY)

    def current(self, token: str | None) -> StaffContext | None:
        """The staff member of a session token, if it is valid and recently used."""
        if not token:
            return None
        staff_session = self.sessions.by_token_hash(hash_token(token))
        if staff_session is None:
            return None
        now = utcnow()
        member = staff_session.staff
        if not member.active or _as_aware(staff_session.last_seen_at) + self.inactivity < now:
            self.sessions.delete(staff_session)
            return None
        # Record activity at most once a minute: not a write on every page.
        if now - _as_aware(staff_session.last_seen_at) > timedelta(minutes=1):
            staff_session.last_seen_at = now
        return StaffContext(member.id, member.username, member.display_name, member.role,
                            staff_session.csrf_token)  # fmt: skip

    def sign_out(self, token: str | None) -> None:
        if token and (staff_session := self.sessions.by_token_hash(hash_token(token))):
            audit(self.session, staff_session.staff.username, "logout")
            self.sessions.delete(staff_session)

    # ------------------------------------------------------------------ managing accounts
    def create(self, username: str, display_name: str, role: str, password: str) -> StaffMember:
        username = username.strip().lower()
        if not username or not username.replace(".", "").replace("-", "").isalnum():
            raise AccountError("The username may contain letters, digits, dots and hyphens.")
        if role not in STAFF_ROLES:
            raise AccountError(f"The role must be one of {', '.join(STAFF_ROLES)}.")
        if self.staff.by_username(username) is not None:
            raise AccountError(f"There is already an account called {username}.")
        member = StaffMember(
            username=username, display_name=display_name.strip() or username, role=role,
            password_hash=hash_password(password), active=True, failed_logins=0,
        )  # fmt: skip
        self.staff.add(member)
        self.session.flush()
        return member

    def set_role(self, member: StaffMember, role: str) -> None:
        if role not in STAFF_ROLES:
            raise AccountError(f"The role must be one of {', '.join(STAFF_ROLES)}.")
        if member.role == "admin" and role != "admin":
            self._keep_an_admin()
        member.role = role
        self.sessions.delete_for_staff(member.id)

    def set_active(self, member: StaffMember, active: bool) -> None:
        if not active and member.role == "admin":
            self._keep_an_admin()
        member.active = active
        if not active:
            self.sessions.delete_for_staff(member.id)
        else:
            member.failed_logins, member.locked_until = 0, None

    def set_password(self, member: StaffMember, password: str) -> None:
        member.password_hash = hash_password(password)
        member.failed_logins, member.locked_until = 0, None
        self.sessions.delete_for_staff(member.id)

    def _keep_an_admin(self) -> None:
        if self.staff.count_active_admins() <= 1:
            raise AccountError("There must always be at least one active admin.")
