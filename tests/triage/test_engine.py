"""How the triage engine reads patients' language, beyond the test set's cases."""

from pathlib import Path

import pytest

from clinic_assistant.triage import TriageEngine


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("I cough up blood if I lie down", "emergency"),
        ("i feel a bit faint", "emergency"),
        ("is it normal to have chest pain after surgery?", "emergency"),
        ("bleeding stopped but now I'm short of breath", "emergency"),
        ("chest pian and brething is hard", "emergency"),
        ("fever 101.5F", "contact_team_today"),
        ("temperature of 38,6", "contact_team_today"),
        ("i had a temp of 39 last night, now 37", "contact_team_today"),
        ("the drain tube fell out", "routine_followup"),
        ("the bleeding has stopped", "routine_followup"),
        ("my temperature is 37.2", "none"),
        ("I'm 38 and just had a lumpectomy", "none"),
        ("I'm a bit confused about the options", "none"),
        ("my nails are painted", "none"),
        ("what are the signs of infection in my wound?", "none"),
        ("my friend had chest pain after her op, is that common?", "none"),
        ("can you get an infection from fat injections?", "none"),
        ("can i take my blood pressure tablets with anastrozole", "none"),
        ("I don't want to talk to a nurse", "none"),
    ],
)
def test_reads_the_level_patients_mean(triage_engine: TriageEngine, text: str, level: str):
    assert triage_engine.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # New wording (not from any test set): readings without the word, collapse, overdose,
        # blood loss with dizziness; and the look-alikes that are not signs.
        ("spiked 38.9 this evening, is that from the op", "contact_team_today"),
        ("my BMI is 38.5, is a reduction harder then?", "none"),
        ("my son found me on the landing floor, no idea how I got there", "emergency"),
        ("took 14 paracetamol since breakfast and now I'm so drowsy", "emergency"),
        ("blood is seeping through the dressing and won't stop, and I'm dizzy", "emergency"),
        ("I know I'm being paranoid but is a little itch normal?", "none"),
        ("my lips have gone fat since the new antibiotics", "emergency"),
    ],
)
def test_hears_signs_in_wording_from_the_eighth_batch(
    triage_engine: TriageEngine, text: str, level: str
) -> None:
    assert triage_engine.assess(text).level == level


def test_the_reason_names_the_sign_that_was_recognised(triage_engine: TriageEngine) -> None:
    assessment = triage_engine.assess("my flap has gone a dusky blue colour")
    assert assessment.reason == "a change in the colour or warmth of the flap or nipple"


def test_a_settled_sign_says_so_in_the_reason(triage_engine: TriageEngine) -> None:
    assessment = triage_engine.assess("had chills on tuesday but they stopped")
    assert assessment.level == "routine_followup"
    assert assessment.reason == "chills or shivering (now settled or treated)"


def test_requests_are_recognised_with_their_kind(triage_engine: TriageEngine) -> None:
    nurse = triage_engine.assess("could someone from the team call me back")
    personal = triage_engine.assess("which option is best for me?")
    assert nurse.nurse_request and not nurse.personal_decision
    assert personal.personal_decision and not personal.nurse_request
    assert nurse.level == personal.level == "routine_followup"


# Each of these phrases was in the data once as one pattern whose alternatives held a phrase
# ("living|going on|carrying on"): alternatives are single words, so those patterns asked for
# words in an order nobody writes, and never matched.
@pytest.mark.parametrize(
    "text",
    [
        "I just want to end it",
        "there is no point going on",
        "honestly I don't want to be here anymore",
        "I'd be better off dead",
    ],
)
def test_hears_despair_however_it_is_put(triage_engine: TriageEngine, text: str) -> None:
    assert triage_engine.assess(text).despair


@pytest.mark.parametrize(
    "text",
    [
        "how do I choose between them",
        "do I still need radiotherapy",
        "do I need more surgery",
        "can you go through my pathology report with me",
        "whats my next step",
        "who should we believe",
    ],
)
def test_hears_a_question_only_the_patients_own_team_can_answer(
    triage_engine: TriageEngine, text: str
) -> None:
    assessment = triage_engine.assess(text)
    assert assessment.personal_decision
    assert assessment.level == "routine_followup"


def test_double_vision_is_an_emergency_in_either_wording(triage_engine: TriageEngine) -> None:
    assert triage_engine.assess("I keep seeing double since this morning").level == "emergency"
    assert triage_engine.assess("sudden double vision").level == "emergency"


def test_pain_off_the_scale_is_pain_out_of_control(triage_engine: TriageEngine) -> None:
    assert triage_engine.assess("the pain is off the scale").level == "contact_team_today"
    assert triage_engine.assess("the pain is so bad even with the codeine").level == (
        "contact_team_today"
    )


def test_refuses_triage_data_whose_word_list_yaml_read_as_true_or_false(tmp_path) -> None:
    # A bare `on` in a YAML list is the boolean true: the list then never matches the word,
    # and "the pain has gone on for hours" was read as a pain that had gone.
    data = Path(__file__).resolve().parents[2] / "data" / "triage"
    for name in ("concepts.yml", "signs.yml", "context.yml"):
        (tmp_path / name).write_text((data / name).read_text())
    context = tmp_path / "context.yml"
    context.write_text(
        context.read_text().replace("resolution_not_before: [", "resolution_not_before: [on, ", 1)
    )

    with pytest.raises(ValueError, match=r"resolution_not_before.*quote on, off"):
        TriageEngine(tmp_path)
