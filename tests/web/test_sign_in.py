"""Signing in: guessing is slowed, never turned into a lock-out; unknown users are refused like
real ones; a new sign-in replaces the old session; weak passwords are refused."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from clinic_assistant.db import Database
from clinic_assistant.web import security, throttle
from clinic_assistant.web.security import AccountError, Accounts
from clinic_assistant.web.throttle import ACCOUNT_CAP, ADDRESS_CAP, LoginThrottle, delay_after
from tests.web.conftest import sign_in

ATTACKER = ("203.0.113.9", 40000)


@pytest.fixture
def production_delays(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(throttle, "BASE_DELAY", 0.5)


def _session_cookie(client: TestClient) -> str:
    return next(c.value for c in client.cookies.jar if c.name == "clinic_session")


def test_many_failed_logins_never_lock_the_real_user_out(client: TestClient) -> None:
    attacker = TestClient(client.app, client=ATTACKER)
    for _ in range(20):
        assert sign_in(attacker, "nina.nurse", "wrong password!").status_code == 401
    assert sign_in(client, "nina.nurse").status_code == 303


@pytest.mark.usefixtures("production_delays")
def test_each_failure_lengthens_the_wait_up_to_a_cap() -> None:
    waits = [delay_after(n, ADDRESS_CAP) for n in range(12)]
    assert waits[:3] == [0, 0, 0]
    assert waits[3:7] == [0.5, 1.0, 2.0, 4.0]
    assert max(waits) == ADDRESS_CAP
    # Guesses at one username slow its owner by a few seconds at worst, never lock them out.
    assert delay_after(1000, ACCOUNT_CAP) == ACCOUNT_CAP <= 5


@pytest.mark.usefixtures("production_delays")
def test_the_wait_counts_failures_by_address_and_by_username(web_database: Database) -> None:
    def attempt(address: str, username: str) -> float:
        with web_database.unit_of_work() as session:
            return LoginThrottle(session).before_attempt(address, username)

    for _ in range(5):
        attempt("198.51.100.1", "nina.nurse")
    # Another address naming the same username: slowed by the username's count only.
    assert attempt("198.51.100.2", "nina.nurse") == 0.5 * 2**2
    # The same address naming another username: slowed by the address's count.
    assert attempt("198.51.100.1", "someone.else") == 0.5 * 2**2


@pytest.mark.usefixtures("production_delays")
def test_an_unknown_username_is_slowed_like_a_real_one(web_database: Database) -> None:
    def waits(username: str, address: str) -> list[float]:
        result = []
        for _ in range(8):
            with web_database.unit_of_work() as session:
                result.append(Accounts(session, timedelta(minutes=30))
                              .begin_sign_in(username, address).delay)  # fmt: skip
        return result

    real = waits("nina.nurse", "198.51.100.1")
    assert real == waits("no.such.person", "198.51.100.2")
    assert real[-1] > 0


def test_an_unknown_username_costs_a_password_hash_check_too(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str] = []
    real = security._hasher

    class CountingHasher:
        def verify(self, stored: str, password: str) -> bool:
            checked.append(stored)
            return real.verify(stored, password)

        def __getattr__(self, name: str):
            return getattr(real, name)

    monkeypatch.setattr(security, "_hasher", CountingHasher())
    assert sign_in(client, "no.such.person", "some password!").status_code == 401
    assert len(checked) == 1 and checked[0].startswith("$argon2id$")


def test_a_wait_does_not_hold_up_other_staff_pages(
    nurse: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    attacker = TestClient(nurse.app, client=ATTACKER)
    for _ in range(4):
        sign_in(attacker, "adam.admin", "wrong password!")
    monkeypatch.setattr(throttle, "BASE_DELAY", 1.0)  # the next attempt waits 2 s
    guess = threading.Thread(target=sign_in, args=(attacker, "adam.admin", "wrong again!"))
    started = time.monotonic()
    guess.start()
    time.sleep(0.3)
    page_started = time.monotonic()
    assert nurse.get("/console/flags").status_code == 200
    page_took = time.monotonic() - page_started
    guess.join()
    assert time.monotonic() - started >= 2.0, "the guess was not slowed"
    assert page_took < 1.0, f"the nurse's page waited {page_took:.2f} s behind a guess"


def test_signing_in_again_ends_the_previous_session(client: TestClient) -> None:
    assert sign_in(client, "nina.nurse").status_code == 303
    old_token = _session_cookie(client)
    assert sign_in(client, "nina.nurse").status_code == 303
    assert _session_cookie(client) != old_token
    stale = TestClient(client.app, cookies={"clinic_session": old_token})
    assert stale.get("/console/flags", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    "password",
    ["aaaaaaaaaa", "password12", "nina.nurse", "nina.nurse1", "Nina Nurse 2024", "qwertyuiop",
     "1234567890", "letmein123!"],
)  # fmt: skip
def test_a_guessable_password_is_refused(web_database: Database, password: str) -> None:
    with web_database.unit_of_work() as session:
        member = Accounts(session, timedelta(minutes=30)).staff.by_username("nina.nurse")
        with pytest.raises(AccountError, match=r"at least|easy to guess"):
            Accounts(session, timedelta(minutes=30)).set_password(member, password)


def test_a_strong_passphrase_is_accepted(web_database: Database) -> None:
    with web_database.unit_of_work() as session:
        Accounts(session, timedelta(minutes=30)).create(
            "olu.nurse", "Olu Nurse", "nurse", "violet kettle marathon"
        )


def test_failures_that_no_longer_count_are_forgotten(
    client: TestClient, web_database: Database
) -> None:
    from clinic_assistant.db.models import LoginFailures, utcnow

    with web_database.unit_of_work() as session:
        session.add(LoginFailures(key="account:made.up.name", failures=9,
                                  last_at=utcnow() - timedelta(hours=1)))  # fmt: skip
    assert sign_in(client, "nina.nurse").status_code == 303
    with web_database.unit_of_work() as session:
        assert session.get(LoginFailures, "account:made.up.name") is None
