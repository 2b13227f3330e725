"""Patient feedback on answers and the inbox of messages to learn from, on a real database."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from clinic_assistant.db import Database
from clinic_assistant.db.models import AnswerFeedback, InboxItem, TurnRecord
from clinic_assistant.learning.feedback import FeedbackError, FeedbackFigures, FeedbackService
from clinic_assistant.learning.inbox import Inbox, InboxError
from clinic_assistant.learning.reviewed import ReviewedFile
from clinic_common.corpus import is_reviewed
from clinic_common.redaction import KINDS

INTENTS = ("ask_flap", "ask_risks", "out_of_scope")


def add_turn(db: Database, text: str, **values) -> int:
    defaults = {"conversation_id": "web-1", "message_id": f"m-{abs(hash(text))}",
                "intent": "ask_flap", "confidence": 0.95, "topics": ["option_flap"],
                "answer_ids": ["flap-tap-and-ld"], "fallback": False}  # fmt: skip
    with db.unit_of_work() as session:
        turn = TurnRecord(text=text, **{**defaults, **values})
        session.add(turn)
        session.flush()
        return turn.id


def test_a_thumbs_down_is_stored_redacted_with_the_answer_version_and_goes_to_the_inbox(
    seeded_database: Database,
) -> None:
    add_turn(seeded_database, "what is a TAP flap?", message_id="m-1")
    with seeded_database.unit_of_work() as session:
        comment = "ring me on 07700 900123, it missed scars"
        FeedbackService(session, KINDS).record("web-1", "m-1", "flap-tap-and-ld", "down", comment)
    with seeded_database.unit_of_work() as session:
        stored = session.query(AnswerFeedback).one()
        item = session.query(InboxItem).one()
        assert (stored.rating, stored.answer_version, stored.topic) == ("down", 1, "option_flap")
        assert stored.message_text == "what is a TAP flap?"
        assert "07700" not in stored.comment and "missed scars" in stored.comment
        assert item.origins == ["thumbs_down"] and item.text == "what is a TAP flap?"


def test_a_patient_who_changes_their_mind_has_one_rating_and_the_figures_count_it_once(
    seeded_database: Database,
) -> None:
    add_turn(seeded_database, "what is a TAP flap?", message_id="m-1")
    with seeded_database.unit_of_work() as session:
        service = FeedbackService(session, KINDS)
        service.record("web-1", "m-1", "flap-tap-and-ld", "down")
        service.record("web-1", "m-1", "flap-tap-and-ld", "up")
    with seeded_database.unit_of_work() as session:
        figures = FeedbackFigures(session)
        assert [(s.name, s.up, s.down) for s in figures.per_topic()] == [("option_flap", 1, 0)]
        assert [(s.name, s.up, s.down) for s in figures.per_answer()] == [("flap-tap-and-ld", 1, 0)]
        assert [f.rating for f in figures.recent("flap-tap-and-ld")] == ["up"]


def test_only_an_answer_given_to_that_message_can_be_rated(seeded_database: Database) -> None:
    add_turn(seeded_database, "what is a TAP flap?", message_id="m-1")
    with seeded_database.unit_of_work() as session:
        service = FeedbackService(session, KINDS)
        for message_id, answer_id, rating in (("m-1", "risks-general", "up"),
                                              ("m-2", "flap-tap-and-ld", "up"),
                                              ("m-1", "flap-tap-and-ld", "meh")):  # fmt: skip
            with pytest.raises(FeedbackError):
                service.record("web-1", message_id, answer_id, rating)


def test_the_inbox_takes_in_fallbacks_and_unsure_answers_once_but_not_button_payloads(
    database: Database,
) -> None:
    add_turn(database, "zorblax wibble", intent="nlu_fallback", confidence=0.4, fallback=True)
    add_turn(database, "is the flap thing painful", confidence=0.66)
    add_turn(database, "what is a TAP flap?", confidence=0.97)
    add_turn(database, "/ask_options", intent="ask_options", confidence=0.5)
    with database.unit_of_work() as session:
        assert Inbox(session).collect(low_confidence=0.8) == 2
        assert Inbox(session).collect(low_confidence=0.8) == 0
        items = Inbox(session).items()
        assert sorted((i.text, tuple(i.origins)) for i in items) == [
            ("is the flap thing painful", ("low_confidence",)),
            ("zorblax wibble", ("fallback",)),
        ]


def test_a_decision_needs_a_known_intent_and_needs_answer_goes_to_the_admins_list(
    database: Database,
) -> None:
    turn_id = add_turn(database, "can I fly to spain after", confidence=0.5)
    with database.unit_of_work() as session:
        item = Inbox(session).mark_misunderstood("web-1", turn_id)
        session.flush()
        with pytest.raises(InboxError):
            Inbox(session).decide(item.id, "intent", "ask_banana", "nora", INTENTS)
        Inbox(session).decide(item.id, "needs_answer", "", "nora", INTENTS, "flying")
        assert [i.text for i in Inbox(session).needing_answers()] == ["can I fly to spain after"]
        with pytest.raises(InboxError):
            Inbox(session).mark_misunderstood("web-2", turn_id)


def label(db: Database, text: str, intent: str) -> None:
    turn_id = add_turn(db, text, intent="nlu_fallback", fallback=True)
    with db.unit_of_work() as session:
        item = Inbox(session).mark_misunderstood("web-1", turn_id)
        session.flush()
        Inbox(session).decide(item.id, "intent", intent, "nora", INTENTS)


def test_the_reviewed_file_is_written_in_a_fixed_order_with_each_example_s_origin(
    database: Database, project_root: Path, tmp_path: Path
) -> None:
    label(database, "will the scar on my back from the flap be long", "ask_flap")
    label(database, "zz how sore is it after the back flap op", "ask_flap")
    label(database, "what can go wrong with the fat injections", "ask_risks")
    target = tmp_path / "reviewed.yml"
    reviewed = ReviewedFile(target, project_root)
    with database.unit_of_work() as session:
        assert reviewed.write(session) == 3
    first = target.read_text()
    with database.unit_of_work() as session:
        reviewed.write(session)
    assert target.read_text() == first
    blocks = yaml.safe_load(first)["nlu"]
    assert [(b["intent"], b["examples"].strip()) for b in blocks] == [
        ("ask_flap", "- will the scar on my back from the flap be long"),
        ("ask_flap", "- zz how sore is it after the back flap op"),
        ("ask_risks", "- what can go wrong with the fat injections"),
    ]
    assert "# inbox 1 · nurse_marked · conversation web-1 · labelled by nora on" in first
    # Marked as staff-labelled, so that the triage classifier does not learn them as level none.
    assert all(is_reviewed(block["metadata"]) for block in blocks)


def test_a_message_near_one_the_assistant_is_measured_on_is_held_back_and_says_why(
    database: Database, project_root: Path, tmp_path: Path
) -> None:
    frozen = yaml.safe_load((project_root / "tests/nlu/real_test.yml").read_text())["nlu"]
    measured = frozen[0]["examples"].splitlines()[0].strip()[2:]
    label(database, measured, "ask_flap")
    label(database, "what are the risks of partial breast reconstruction?", "ask_risks")
    target = tmp_path / "reviewed.yml"
    with database.unit_of_work() as session:
        assert ReviewedFile(target, project_root).write(session) == 0
    with database.unit_of_work() as session:
        reasons = [i.held_back for i in Inbox(session).labelled()]
    assert "frozen test split" in reasons[0]
    assert reasons[1] == "already in the training data (as ask_risks)"
    assert yaml.safe_load(target.read_text())["nlu"] == []
