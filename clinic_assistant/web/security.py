"""Staff accounts, passwords, sessions and CSRF tokens.

Passwords are hashed with Argon2id and must be hard to guess by zxcvbn's estimate. A session is
a random token in an HttpOnly cookie; only its SHA-256 is stored, so a copy of the database does
not sign anyone in. Signing in replaces the browser's previous session token. Sessions end after
a period of inactivity. Every form carries the session's CSRF token. Failed sign-ins slow the
next attempts of the same address and username (clinic_assistant.web.throttle); no account is
ever locked by them.

Signing in is three steps so that nothing slow happens inside a database transaction (on
SQLite, one at a time per process): ``begin_sign_in`` counts the attempt and reads the stored
hash, the caller waits the throttle's delay and verifies the password outside any transaction
(``verify_password``), and ``finish_sign_in`` records the outcome.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.orm import Session
from zxcvbn import zxcvbn

from clinic_assistant.db.models import (
    STAFF_ROLES,
    AuditEvent,
    StaffMember,
    StaffSession,
    as_utc,
    utcnow,
)
from clinic_assistant.db.repositories import AuditRepository, SessionRepository, StaffRepository
from clinic_assistant.web.throttle import LoginThrottle

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1000  # hashing a megabyte of "password" is a denial of service
# zxcvbn's score: 3 is "safely unguessable" (about 10^10 guesses), what an online service needs.
MIN_PASSWORD_SCORE = 3
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

    @property
    def can_sign_off(self) -> bool:
        """Clinicians sign answers off; an admin may, acting as (or for) a named clinician."""
        return self.role in ("admin", "clinician")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_password_strength(password: str, personal: tuple[str, ...] = ()) -> None:
    """Refuse a password that is short, common, a pattern, or made of the account's own names."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"the password may have at most {MAX_PASSWORD_LENGTH} characters")
    words = [part for text in personal for part in (text, *text.replace(".", " ").split())]
    estimate = zxcvbn(password, user_inputs=[w for w in words if w])
    if estimate["score"] < MIN_PASSWORD_SCORE:
        advice = estimate["feedback"]["warning"] or "It would be easy to guess."
        raise AccountError(
            f"That password is too easy to guess. {advice} Use three or four unrelated words."
        )


def hash_password(password: str, personal: tuple[str, ...] = ()) -> str:
    check_password_strength(password, personal)
    return _hasher.hash(password)


@cache
def _dummy_hash() -> str:
    """A hash checked for unknown usernames, so they take as long to refuse as real ones."""
    return _hasher.hash(secrets.token_urlsafe(16))


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Argon2 verification (slow on purpose): call it outside any database transaction."""
    try:
        _hasher.verify(stored_hash or _dummy_hash(), password[:MAX_PASSWORD_LENGTH])
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return stored_hash is not None


@dataclass(frozen=True)
class SignInAttempt:
    """What ``begin_sign_in`` found: how long to wait, and the hash to verify (None: no user)."""

    delay: float
    stored_hash: str | None


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
    def begin_sign_in(self, username: str, address: str) -> SignInAttempt:
        """Count the attempt; the caller waits ``delay`` and verifies, outside this unit of work."""
        delay = LoginThrottle(self.session).before_attempt(address, username)
        member = self.staff.by_username(username)
        stored = member.password_hash if member is not None and member.active else None
        return SignInAttempt(delay, stored)

    def finish_sign_in(self, username: str, password: str, verified: bool, address: str,
                       replaced_token: str | None = None) -> tuple[str, StaffMember]:  # fmt: skip
        """Record the outcome; return a new session token. Raises AccountError on failure."""
        member = self.staff.by_username(username)
        if not verified or member is None or not member.active:
            audit(self.session, username.strip().lower()[:80], "login_failed", address=address)
            raise AccountError("The username or password is not right.")
        LoginThrottle(self.session).succeeded(address, username)
        if _hasher.check_needs_rehash(member.password_hash):
            member.password_hash = _hasher.hash(password)
        member.last_login_at = utcnow()
        # A token the browser had before signing in (someone else's, or planted) stops working.
        self.sign_out(replaced_token, quietly=True)
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

    def current(self, token: str | None) -> StaffContext | None:
        """The staff member of a session token, if it is valid and recently used."""
        if not token:
            return None
        staff_session = self.sessions.by_token_hash(hash_token(token))
        if staff_session is None:
            return None
        now = utcnow()
        member = staff_session.staff
        if not member.active or as_utc(staff_session.last_seen_at) + self.inactivity < now:
            self.sessions.delete(staff_session)
            return None
        # Record activity at most once a minute: not a write on every page.
        if now - as_utc(staff_session.last_seen_at) > timedelta(minutes=1):
            staff_session.last_seen_at = now
        return StaffContext(member.id, member.username, member.display_name, member.role,
                            staff_session.csrf_token)  # fmt: skip

    def sign_out(self, token: str | None, quietly: bool = False) -> None:
        if token and (staff_session := self.sessions.by_token_hash(hash_token(token))):
            if not quietly:
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
            password_hash=hash_password(password, (username, display_name)), active=True,
            failed_logins=0,
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

    def set_password(self, member: StaffMember, password: str) -> None:
        member.password_hash = hash_password(password, (member.username, member.display_name))
        self.sessions.delete_for_staff(member.id)

    def _keep_an_admin(self) -> None:
        if self.staff.count_active_admins() <= 1:
            raise AccountError("There must always be at least one active admin.")
