from clinic_assistant.db import Database
from clinic_assistant.db.models import Answer, AnswerVersion
from clinic_assistant.db.repositories import AnswerRepository, SourceRepository


def _answer(answer_id: str, position: int, intents: list[str]) -> Answer:
    return Answer(
        id=answer_id,
        topic="option_flap",
        title=answer_id,
        text="text",
        sources=["northwell"],
        review_status="source_verified",
        intents=intents,
        procedures=[],
        position=position,
    )


def test_answers_for_an_intent_come_in_their_catalogue_order(database: Database) -> None:
    with database.unit_of_work() as session:
        repository = AnswerRepository(session)
        repository.add(_answer("second", 2, ["ask_flap"]))
        repository.add(_answer("first", 1, ["ask_flap", "ask_options"]))
        repository.add(_answer("other", 0, ["ask_implant"]))
    with database.unit_of_work() as session:
        ids = [a.id for a in AnswerRepository(session).for_intent("ask_flap")]
    assert ids == ["first", "second"]


def test_a_failed_unit_of_work_leaves_nothing_behind(database: Database) -> None:
    try:
        with database.unit_of_work() as session:
            AnswerRepository(session).add(_answer("half-done", 0, ["ask_flap"]))
            session.flush()
            raise RuntimeError("something went wrong mid-request")
    except RuntimeError:
        pass
    with database.unit_of_work() as session:
        assert AnswerRepository(session).get("half-done") is None


def test_versions_of_an_answer_are_listed_oldest_first(database: Database) -> None:
    with database.unit_of_work() as session:
        repository = AnswerRepository(session)
        repository.add(_answer("versioned", 0, ["ask_flap"]))
        for number in (2, 1):
            repository.add_version(
                AnswerVersion(
                    answer_id="versioned",
                    version=number,
                    title="t",
                    text=f"v{number}",
                    sources=["northwell"],
                    review_status="source_verified",
                    author="tester",
                    reason="test",
                )
            )
    with database.unit_of_work() as session:
        texts = [v.text for v in AnswerRepository(session).versions("versioned")]
    assert texts == ["v1", "v2"]


def test_sources_are_found_by_their_keys(seeded_database: Database) -> None:
    with seeded_database.unit_of_work() as session:
        found = SourceRepository(session).by_keys(["macmillan", "nowhere"])
    assert list(found) == ["macmillan"]
    assert found["macmillan"].publisher == "Macmillan Cancer Support"
