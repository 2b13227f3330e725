"""While a nurse is in the chat the assistant does not answer, except triage (issue 17)."""

from sqlalchemy import select

from actions.answers import ActionAnswerQuestion
from actions.handoff import ActionRequestNurse
from actions.triage import ActionAssessSymptom
from clinic_assistant.app import AppContext
from clinic_assistant.db.models import Flag, LiveMessage, Notification
from clinic_assistant.live.chats import LiveChats
from tests.actions.conftest import make_tracker

PATIENT = "web-nurse-chat"


def nurse_joins(app: AppContext, conversation: str = PATIENT) -> None:
    with app.database.unit_of_work() as session:
        LiveChats(session).join(conversation, "nina.nurse", "Nina Nurse")


def lines(app: AppContext) -> list[tuple[str, str]]:
    with app.database.unit_of_work() as session:
        rows = session.scalars(select(LiveMessage).order_by(LiveMessage.id)).all()
        return [(row.kind, row.text) for row in rows]


def test_with_a_nurse_in_the_chat_a_question_is_passed_to_her_and_not_answered(
    app_context: AppContext, run_action
) -> None:
    nurse_joins(app_context)
    tracker = make_tracker("what is fat grafting?", "ask_fat_grafting", sender=PATIENT)
    run = run_action(ActionAnswerQuestion(app_context), tracker)
    (message,) = run.messages
    assert not message.get("text")
    assert message["custom"]["live_chat"] == {"nurse": "Nina", "state": "active"}
    assert message["custom"]["triage"]["level"] == "none"
    assert lines(app_context)[-1] == ("patient", "what is fat grafting?")
    assert run.events == []  # the conversation's context stays what it was


def test_with_a_nurse_in_the_chat_chest_pain_still_gets_the_emergency_message_at_once(
    app_context: AppContext, run_action
) -> None:
    with app_context.database.unit_of_work() as session:
        session.add(Flag(reference="F-ABCDE", conversation_id=PATIENT, message_text="nurse please",
                         level="routine_followup", reason="asked to speak to a nurse",
                         kind="nurse_request", status="open"))  # fmt: skip
    nurse_joins(app_context)
    tracker = make_tracker("I have crushing chest pain", "report_symptom", sender=PATIENT)
    run = run_action(ActionAssessSymptom(app_context), tracker)
    assert run.customs[0]["topic"] == "red_flag"
    assert run.customs[0]["triage"]["level"] == "emergency"
    assert "999" in run.text
    assert [kind for kind, _ in lines(app_context)][-2:] == ["patient", "assistant"]
    with app_context.database.unit_of_work() as session:
        flag = session.scalars(select(Flag).where(Flag.conversation_id == PATIENT)).one()
        assert (flag.level, flag.status) == ("emergency", "open")  # escalated, for a nurse to see
        assert session.scalars(select(Notification)).all()  # and the staff alert is queued


def test_a_message_delivered_twice_is_one_line_for_the_nurse(
    app_context: AppContext, run_action
) -> None:
    nurse_joins(app_context)
    tracker = make_tracker("are you still there?", "greet", sender=PATIENT)
    run_action(ActionAnswerQuestion(app_context), tracker)
    run_action(ActionAnswerQuestion(app_context), tracker)
    assert [kind for kind, _ in lines(app_context)] == ["joined", "patient"]


def test_after_the_nurse_hands_back_the_assistant_answers_again(
    app_context: AppContext, run_action
) -> None:
    nurse_joins(app_context)
    with app_context.database.unit_of_work() as session:
        LiveChats(session).end(PATIENT, "nina.nurse", "hand_back", "01632 960 123", "999")
    tracker = make_tracker("what is fat grafting?", "ask_fat_grafting", sender=PATIENT)
    run = run_action(ActionAnswerQuestion(app_context), tracker)
    assert run.custom["topic"] == "option_fat_grafting"
    assert "fat" in run.text.lower()


def test_other_conversations_are_answered_while_a_nurse_is_in_one(
    app_context: AppContext, run_action
) -> None:
    nurse_joins(app_context)
    tracker = make_tracker("I'd like to talk to a nurse", "request_nurse", sender="web-other")
    run = run_action(ActionRequestNurse(app_context), tracker)
    assert "nurses" in run.text
