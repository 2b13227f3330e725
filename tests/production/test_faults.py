"""Faults in the production topology: patients keep getting answers, nothing is lost or
stored twice, and everything comes back without a restart."""

from __future__ import annotations

import json
import os
import signal
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from clinic_assistant.runtime.cluster import Cluster
from clinic_assistant.settings import PROJECT_ROOT
from tests.production.conftest import Production
from tests.production.patients import Patient, Reply

pytestmark = pytest.mark.production

# A patient's visit: questions from the topics, asked one after the other.
VISIT = (
    "what is a TAP flap?",
    "and the risks?",
    "how long is recovery",
    "can I have radiotherapy after reshaping",
    "what about fat grafting",
    "thank you",
)
LOAD_SECONDS, KILL_AT, RESTART_AT, PATIENTS_AT_ONCE = 120, 35, 65, 6
REPORT = PROJECT_ROOT / "results" / "production-faults.json"


def _record(name: str, figures: dict) -> None:
    REPORT.parent.mkdir(exist_ok=True)
    report = json.loads(REPORT.read_text()) if REPORT.exists() else {}
    report[name] = figures
    REPORT.write_text(json.dumps(report, indent=2))


def _kill(production: Production, name: str) -> None:
    os.killpg(production.cluster.child(name).process.pid, signal.SIGKILL)
    production.cluster.child(name).process.wait()


def _visits(production: Production, worker: int, until: float) -> list[tuple[Patient, Reply]]:
    exchanges, visit = [], 0
    while time.monotonic() < until:
        visit += 1
        # Each visit from an address of its own, as patients on their own connections.
        patient = production.patient(address=f"127.0.{10 + worker}.{visit % 250 + 1}")
        for text in VISIT:
            exchanges.append((patient, patient.say(text)))
    return exchanges


def _until_answered(send, seconds: float = 30) -> Reply:
    """Send until answered, as a patient pressing "Try again" would, for a while."""
    deadline = time.monotonic() + seconds
    reply = send()
    while not reply.answered and time.monotonic() < deadline:
        time.sleep(1)
        reply = send()
    assert reply.answered, (reply.status, reply.error)
    return reply


def check_stored_once_in_order(production: Production, patient: Patient) -> int:
    """Each message the patient sent is stored once, in order, with the replies after it."""
    events = production.tracker_events(patient.sender)
    users = [e for e in events if e["event"] == "user"]
    assert [e["message_id"] for e in users] == patient.sent, patient.sender
    kinds = [e["event"] for e in events if e["event"] in ("user", "bot")]
    for index, kind in enumerate(kinds):
        if kind == "user":
            assert index + 1 < len(kinds) and kinds[index + 1] == "bot", patient.sender
    return len(events)


def test_every_message_is_answered_once_while_a_rasa_server_is_killed_under_load(
    production: Production,
) -> None:
    start = time.monotonic()
    until = start + LOAD_SECONDS
    faults: list[str] = []
    with ThreadPoolExecutor(PATIENTS_AT_ONCE) as pool:
        load = [pool.submit(_visits, production, w, until) for w in range(PATIENTS_AT_ONCE)]
        # The faults from this thread: a child process is told to stop when the thread that
        # started it ends (PR_SET_PDEATHSIG), so the restarted server must not belong to a
        # short-lived one.
        time.sleep(KILL_AT)
        _kill(production, "rasa-1")
        faults.append(f"rasa-1 killed (SIGKILL) at {time.monotonic() - start:.0f} s")
        time.sleep(RESTART_AT - KILL_AT)
        production.cluster.restart("rasa-1", timeout=240)
        faults.append(f"rasa-1 answering again at {time.monotonic() - start:.0f} s")
        exchanges = [exchange for future in load for exchange in future.result()]

    unanswered = [(p.sender, r.status, r.error) for p, r in exchanges if not r.answered]
    assert len(faults) == 2, faults
    assert unanswered == []
    patients = {p.sender: p for p, _ in exchanges}
    events = sum(check_stored_once_in_order(production, p) for p in patients.values())
    turns = production.app_rows(
        "SELECT conversation_id, message_id FROM turns WHERE conversation_id = ANY(%s)",
        list(patients),
    )
    assert max(Counter(turns).values()) == 1, "a message was indexed twice"
    assert len(turns) == len(exchanges)
    _record("kill_rasa_under_load", {
        "seconds": LOAD_SECONDS, "messages_sent": len(exchanges), "messages_unanswered": 0,
        "conversations": len(patients), "tracker_events_checked": events,
        "turns_checked": len(turns), "faults": faults,
    })  # fmt: skip


def test_with_every_action_server_down_the_patient_is_told_whom_to_call(
    production: Production,
) -> None:
    patient = production.patient()
    for name in ("actions-1", "actions-2"):
        _kill(production, name)
    try:
        reply = patient.say("what is a TAP flap?")
    finally:
        production.cluster.restart("actions-1", "actions-2")
    assert reply.status == 200 and reply.error == "service_unavailable"
    assert "01632 960 123" in reply.text and "999" in reply.text
    # Once they are back, "Try again" (the same message) gets the answer.
    again = _until_answered(lambda: patient.say("what is a TAP flap?", patient.sent[-1]))
    assert again.customs[0]["topic"] == "option_flap"
    _record("action_servers_down", {"reply": reply.error, "after_restart": "answered"})


def test_a_database_outage_gets_the_call_us_reply_and_recovers_without_a_restart(
    production: Production,
) -> None:
    patient = production.patient()
    assert patient.say("what is a TAP flap?").answered
    production.database_proxy.cut()
    try:
        during = patient.say("and the risks?")
    finally:
        production.database_proxy.restore()
    assert during.error == "service_unavailable" and "01632 960 123" in during.text
    after = _until_answered(lambda: patient.say("and the risks?", patient.sent[-1]))
    # The conversation from before the outage is still there: the follow-up knows the flap.
    assert after.customs[-1].get("context", {}).get("procedure") == "tap_flap"
    _record("database_outage", {"during": during.error, "after": "answered, context kept"})


def test_a_full_restart_keeps_every_conversation(production: Production) -> None:
    patient = production.patient()
    assert patient.say("tell me about fat grafting").answered
    production.cluster.stop()
    restarted = Cluster(production.config, production.cluster.supervisor)
    restarted.start(timeout=420)
    production.cluster = restarted
    reply = patient.say("how long is recovery for that one?")
    assert reply.answered and reply.customs[-1].get("context", {}).get("procedure") == (
        "fat_grafting"
    )
    _record("full_restart", {"follow_up_after_restart": "answered with the earlier context"})
