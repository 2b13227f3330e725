"""Nurses: the flag queue, conversations, transcripts, reviews, CSV export, insights."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from clinic_assistant.app import AppContext
from clinic_assistant.db.models import Flag
from clinic_assistant.dialogue import Turn, respond
from clinic_assistant.settings import Settings
from tests.web.conftest import csrf_of


def say(app: AppContext, sender: str, text: str, intent: str, kind: str = "answer") -> None:
    respond(app, Turn(text=text, intent=intent, confidence=0.9, sender_id=sender), kind)


@pytest.fixture
def conversations(app_context: AppContext) -> AppContext:
    say(app_context, "p-chest", "my chest feels tight", "report_symptom", "symptom")
    say(app_context, "p-drain", "my drain seems blocked", "report_symptom", "symptom")
    say(app_context, "p-fat", "what is lipofilling", "ask_fat_grafting")
    say(app_context, "p-fat", "xqzv blorp", "nlu_fallback", "fallback")
    say(app_context, "p-script", "<script>alert('x')</script> what is a flap?", "ask_flap")
    return app_context


def _flag(app: AppContext, conversation: str) -> Flag:
    with app.database.unit_of_work() as session:
        return session.scalars(select(Flag).where(Flag.conversation_id == conversation)).one()


def test_the_queue_lists_open_flags_most_urgent_first(nurse: TestClient, conversations) -> None:
    html = nurse.get("/console/flags").text
    assert html.index("chest pain or tightness") < html.index("a drain that seems blocked")


def test_a_nurse_acknowledges_then_resolves_a_flag_and_the_history_shows_who_and_when(
    nurse: TestClient, conversations: AppContext
) -> None:
    flag = _flag(conversations, "p-drain")
    token = csrf_of(nurse.get(f"/console/flags/{flag.id}").text)
    nurse.post(f"/console/flags/{flag.id}/acknowledge", data={"csrf_token": token, "note": ""})
    nurse.post(
        f"/console/flags/{flag.id}/resolve",
        data={"csrf_token": token, "note": "Called the patient, drain flushed"},
    )
    resolved = _flag(conversations, "p-drain")
    assert (resolved.status, resolved.handled_by) == ("resolved", "nina.nurse")
    page = nurse.get(f"/console/flags/{flag.id}").text
    assert "nina.nurse</strong> acknowledged" in page
    assert "nina.nurse</strong> resolved: Called the patient, drain flushed" in page
    assert "a drain that seems blocked" not in nurse.get("/console/flags").text


def test_resolving_needs_a_note(nurse: TestClient, conversations: AppContext) -> None:
    flag = _flag(conversations, "p-drain")
    token = csrf_of(nurse.get(f"/console/flags/{flag.id}").text)
    response = nurse.post(
        f"/console/flags/{flag.id}/resolve", data={"csrf_token": token, "note": " "}
    )
    assert "say how the flag was resolved" in response.text.lower()
    assert _flag(conversations, "p-drain").status == "open"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"p-chest", "p-drain", "p-fat", "p-script"}),
        ("q=LIPOFILLING", {"p-fat"}),
        ("flagged=yes", {"p-chest", "p-drain"}),
        ("flagged=no", {"p-fat", "p-script"}),
        ("level=emergency", {"p-chest"}),
        ("topic=option_flap", {"p-script"}),
        ("fallback=yes", {"p-fat"}),
        ("reviewed=no", {"p-chest", "p-drain", "p-fat", "p-script"}),
        ("from=2000-01-01&to=2000-01-02", set()),
    ],
)
def test_conversations_can_be_searched_and_filtered(
    nurse: TestClient, conversations, query: str, expected: set[str]
) -> None:
    html = nurse.get(f"/console/conversations?{query}").text
    found = {c for c in ("p-chest", "p-drain", "p-fat", "p-script") if f">{c}</a>" in html}
    assert found == expected


def test_the_csv_export_has_the_filtered_list(nurse: TestClient, conversations) -> None:
    response = nurse.get("/console/conversations.csv?flagged=yes")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert sorted(r["conversation"] for r in rows) == ["p-chest", "p-drain"]
    assert {r["highest level"] for r in rows} == {"emergency", "routine_followup"}


def _tracker_with(settings: Settings, sender: str, events: list[dict]) -> None:
    """Write events the way Rasa's SQL tracker store does (the console only reads them)."""
    path = Path(settings.tracker_database_path)
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, sender_id TEXT, "
                   "type_name TEXT, timestamp REAL, intent_name TEXT, action_name TEXT, "
                   "data TEXT)")  # fmt: skip
        for event in events:
            db.execute("INSERT INTO events (sender_id, type_name, timestamp, data) "
                       "VALUES (?, ?, ?, ?)", (sender, event["event"], time.time(),
                                              json.dumps(event)))  # fmt: skip


def test_the_transcript_shows_turns_with_intent_confidence_topic_triage_and_sources(
    nurse: TestClient, settings: Settings
) -> None:
    _tracker_with(settings, "p-1", [
        {"event": "user", "text": "what is a TAP flap?",
         "parse_data": {"intent": {"name": "ask_flap", "confidence": 0.97}}},
        {"event": "bot", "text": "The TAP flap and the LD flap ...",
         "data": {"custom": {"topic": "option_flap", "answer_id": "flap-tap-and-ld",
                             "triage": {"level": "none", "reason": ""},
                             "sources": [{"publisher": "Northwell Health"}]}}},
    ])  # fmt: skip
    html = nurse.get("/console/conversations/p-1").text
    assert "what is a TAP flap?" in html and "<code>ask_flap</code> (0.97)" in html
    assert "<code>option_flap</code>" in html and "from Northwell Health" in html


def test_a_message_with_a_script_tag_is_shown_as_text_everywhere(
    nurse: TestClient, conversations, settings: Settings
) -> None:
    _tracker_with(settings, "p-script", [
        {"event": "user", "text": "<script>alert('x')</script> what is a flap?"},
    ])  # fmt: skip
    for path in ("/console/conversations/p-script", "/console/conversations?q=script",
                 "/console/insights"):  # fmt: skip
        html = nurse.get(path).text
        assert "<script>alert" not in html
    assert (
        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"
        in nurse.get("/console/conversations/p-script").text
    )


def test_a_nurse_marks_a_conversation_reviewed_with_tags_and_notes(
    nurse: TestClient, conversations
) -> None:
    token = csrf_of(nurse.get("/console/conversations/p-fat").text)
    nurse.post("/console/conversations/p-fat/review",
               data={"csrf_token": token, "reviewed": "yes", "tags": "Training, content gap",
                     "notes": "Add examples about lipofilling"})  # fmt: skip
    html = nurse.get("/console/conversations?reviewed=yes").text
    assert ">p-fat</a>" in html and "content gap, training" in html
    assert "Add examples about lipofilling" in nurse.get("/console/conversations/p-fat").text


def test_insights_count_topics_fallbacks_flags_and_unanswered_questions(
    nurse: TestClient, conversations
) -> None:
    html = nurse.get("/console/insights").text
    assert "xqzv blorp" in html  # an unanswered question
    assert "20.0%" in html  # 1 fallback in 5 messages
    assert "/static/vendor/chart.umd.js" in html
    assert nurse.get("/static/vendor/chart.umd.js").status_code == 200
