from clinic_assistant.answers.service import AnswerService, choose, fill_placeholders
from clinic_assistant.db import Database
from clinic_assistant.db.models import Answer

CLINIC = {"clinic_name": "Riverside Breast Unit", "emergency_number": "999"}


def _answer(answer_id: str, procedures: list[str], keywords: list[str] | None = None) -> Answer:
    return Answer(
        id=answer_id, procedures=procedures, intents=["ask_flap"], keywords=keywords or []
    )


def test_placeholders_are_filled_and_unknown_braces_left_alone() -> None:
    text = "Call {emergency_number}. {clinic_name} says {hello}."
    assert fill_placeholders(text, CLINIC) == "Call 999. Riverside Breast Unit says {hello}."


def test_the_answer_about_the_named_procedure_is_preferred() -> None:
    general = _answer("general", [])
    tap = _answer("tap", ["tap_flap"])
    ld = _answer("ld", ["ld_flap", "ld_mini_flap"])
    assert choose([general, tap, ld], ["ld_mini_flap"]) is ld
    assert choose([general, tap, ld], ["implant"]) is general
    assert choose([tap, general, ld], []) is general
    assert choose([tap, ld], []) is tap
    assert choose([], ["tap_flap"]) is None


def test_keywords_in_the_question_pick_among_answers_for_the_same_intent() -> None:
    general = _answer("general", [])
    benefits = _answer("benefits", [], ["benefit", "advantage"])
    who = _answer("who", [], ["suit", "who"])
    assert choose([general, benefits, who], [], "What are the benefits?") is benefits
    assert choose([general, benefits, who], [], "would it suit me") is who
    assert choose([general, benefits, who], [], "tell me about it") is general


def test_an_answer_comes_with_its_sources_and_filled_placeholders(
    seeded_database: Database,
) -> None:
    with seeded_database.unit_of_work() as session:
        service = AnswerService(session, CLINIC)
        greeting = service.answer_for("greet")
        flap = service.answer_for("ask_flap", ["flap"])
    assert "Riverside Breast Unit" in greeting.text and "{" not in greeting.text
    assert greeting.sources == ()
    assert flap.id == "flap-overview"
    assert [s.publisher for s in flap.sources] == ["Northwell Health", "Macmillan Cancer Support"]


def test_suggestions_follow_the_ranking_skip_smalltalk_and_offer_each_topic_once(
    seeded_database: Database,
) -> None:
    with seeded_database.unit_of_work() as session:
        suggestions = AnswerService(session, CLINIC).suggestions(
            ["greet", "ask_flap", "ask_flap", "nlu_fallback", "ask_timing", "ask_implant"]
        )
    assert [s.intent for s in suggestions] == ["ask_flap", "ask_timing", "ask_implant"]
    assert suggestions[0].title == "Flap reconstruction"
