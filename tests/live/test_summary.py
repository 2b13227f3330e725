"""The summary a nurse reads when she joins: built by rules from the turn index."""

from clinic_assistant.db.models import Flag, TurnRecord
from clinic_assistant.live.summary import summarise


def turn(text: str, intent: str, topics: list[str], level: str = "none", reason: str = ""):
    return TurnRecord(conversation_id="c", text=text, intent=intent, topics=topics,
                      triage_level=level, triage_reason=reason)  # fmt: skip


TURNS = [
    turn("hello", "greet", ["greeting_smalltalk"]),
    turn("what is fat grafting?", "ask_fat_grafting", ["option_fat_grafting"]),
    turn("I'm really scared about the scars", "express_worry", ["greeting_smalltalk"]),
    turn("how long is recovery after a TAP flap", "ask_recovery", ["recovery"]),
    turn("my wound is leaking pus and I have a fever", "report_symptom",
         ["red_flag", "recovery"], "contact_team_today", "signs of infection"),
    turn("and fat grafting again?", "ask_fat_grafting", ["option_fat_grafting"]),
]  # fmt: skip


def test_the_summary_lists_topics_signs_and_worries_in_the_order_they_came() -> None:
    flag = Flag(level="contact_team_today", reason="signs of infection", status="open")
    summary = summarise(TURNS, [flag])
    assert summary.topics == ("fat grafting", "recovery")
    (sign,) = summary.signs
    assert (sign.level, sign.reason) == ("same day", "signs of infection")
    assert sign.said == "my wound is leaking pus and I have a fever"
    assert summary.worries == ("I'm really scared about the scars",)
    assert summary.highest_level == "contact_team_today"
    assert summary.flag_reasons == ("same day: signs of infection",)
    assert summary.messages == 6


def test_the_same_conversation_always_gives_the_same_summary() -> None:
    assert summarise(TURNS) == summarise(list(TURNS))


def test_a_conversation_of_greetings_has_an_empty_summary() -> None:
    assert summarise([turn("hi", "greet", ["greeting_smalltalk"])]).empty


def test_a_button_s_payload_is_not_quoted_as_the_patient_s_words() -> None:
    (sign,) = summarise([turn("/request_nurse", "request_nurse", ["needs_surgeon_decision"],
                              "routine_followup", "asked to speak to a nurse")]).signs  # fmt: skip
    assert sign.said == "pressed “Talk to a nurse”"
