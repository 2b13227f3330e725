"""The tables ``BEST_GUESS_CONFIDENCE`` and ``PERSONAL_LEANING`` are chosen from (``make
crossval``, ``make calibrate``): what they count, and what they leave out."""

from __future__ import annotations

from clinic_nlu.evaluation.intents import Prediction, best_guesses, personal_leanings


def prediction(expected: str, predicted: str, confidence: float, personal: float) -> Prediction:
    return Prediction("a message", expected, predicted, confidence, False, personal=personal)


def test_counts_personal_and_plain_questions_the_model_did_not_answer_as_personal():
    predictions = [
        prediction("ask_personal_decision", "ask_radiation", 0.7, 0.22),  # leaned, not decided
        prediction("ask_radiation", "ask_radiation", 0.8, 0.21),  # plain, leaned as far
        prediction("report_symptom", "ask_recovery", 0.7, 0.24),  # a symptom: no false alarm
        prediction("ask_personal_decision", "ask_personal_decision", 0.9, 0.9),  # decided
        prediction("ask_flap", "ask_flap", 0.9, 0.02),  # below the table
    ]

    rows = personal_leanings(predictions, threshold=0.6, ambiguity=0.1)

    assert [(r["from"], r["personal"], r["plain"]) for r in rows] == [(0.2, 1, 1)]
    assert rows[0]["plain_total"] == 2
    assert rows[0]["personal_total"] == 2


def test_a_personal_question_below_the_fallback_threshold_counts_as_not_answered():
    unsure = prediction("ask_personal_decision", "ask_personal_decision", 0.4, 0.4)

    rows = personal_leanings([unsure], threshold=0.6, ambiguity=0.1)

    assert [(r["from"], r["personal"]) for r in rows] == [(0.4, 1)]


def test_counts_best_guesses_below_the_threshold_by_confidence_and_whether_they_were_right():
    topics = {"ask_flap": "option_flap", "ask_implant": "option_implant"}
    predictions = [
        prediction("ask_flap", "ask_flap", 0.32, 0.0),  # right guess
        prediction("ask_flap", "ask_implant", 0.33, 0.0),  # wrong guess, same slice
        prediction("ask_flap", "ask_flap", 0.9, 0.0),  # answered, not a guess
        prediction("greet", "greet", 0.3, 0.0),  # not an information question
    ]

    rows = best_guesses(predictions, topics, threshold=0.6, ambiguity=0.1)

    assert rows == [{"from": 0.3, "to": 0.35, "guesses": 2, "right": 1}]
