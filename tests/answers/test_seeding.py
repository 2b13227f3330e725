from dataclasses import replace

from clinic_assistant.answers.catalogue import Catalogue
from clinic_assistant.answers.seeding import seed_catalogue
from clinic_assistant.db import Database
from clinic_assistant.db.models import AnswerVersion
from clinic_assistant.db.repositories import AnswerRepository, SourceRepository


def _edited(catalogue: Catalogue, answer_id: str, text: str) -> Catalogue:
    answers = tuple(
        replace(answer, text=text) if answer.id == answer_id else answer
        for answer in catalogue.answers
    )
    return replace(catalogue, answers=answers)


def test_seeding_an_empty_database_adds_every_answer_as_version_one(
    database: Database, catalogue: Catalogue
) -> None:
    with database.unit_of_work() as session:
        report = seed_catalogue(session, catalogue)
    assert len(report.added) == len(catalogue.answers)
    with database.unit_of_work() as session:
        answer = AnswerRepository(session).get("flap-overview")
        assert answer is not None and answer.version == 1
        versions = AnswerRepository(session).versions("flap-overview")
        assert [(v.version, v.author) for v in versions] == [(1, "seed")]
        assert len(SourceRepository(session).all()) == len(catalogue.sources)


def test_seeding_again_with_the_same_yaml_changes_nothing(
    seeded_database: Database, catalogue: Catalogue
) -> None:
    with seeded_database.unit_of_work() as session:
        report = seed_catalogue(session, catalogue)
    assert report.added == [] and report.updated == []
    assert report.unchanged == len(catalogue.answers)


def test_a_yaml_change_becomes_a_new_version(
    seeded_database: Database, catalogue: Catalogue
) -> None:
    with seeded_database.unit_of_work() as session:
        report = seed_catalogue(session, _edited(catalogue, "flap-overview", "New wording."))
    assert report.updated == ["flap-overview"]
    with seeded_database.unit_of_work() as session:
        answer = AnswerRepository(session).get("flap-overview")
        assert (answer.version, answer.text) == (2, "New wording.")
        reasons = [v.reason for v in AnswerRepository(session).versions("flap-overview")]
        assert reasons == ["Added from options.yml", "Updated from options.yml"]


def test_a_yaml_change_does_not_overwrite_a_staff_edit(
    seeded_database: Database, catalogue: Catalogue
) -> None:
    with seeded_database.unit_of_work() as session:
        repository = AnswerRepository(session)
        answer = repository.get("flap-overview")
        answer.version = 2
        answer.text = "Wording approved by our surgeons."
        repository.add_version(
            AnswerVersion(
                answer_id=answer.id,
                version=2,
                title=answer.title,
                text=answer.text,
                sources=answer.sources,
                review_status="clinically_approved",
                author="nurse.lead",
                reason="Clinic wording",
            )
        )
    with seeded_database.unit_of_work() as session:
        report = seed_catalogue(session, _edited(catalogue, "flap-overview", "YAML wording."))
    assert report.kept_staff_edits == ["flap-overview"]
    assert "staff edits kept for flap-overview" in report.summary()
    with seeded_database.unit_of_work() as session:
        assert AnswerRepository(session).get("flap-overview").text == (
            "Wording approved by our surgeons."
        )


def test_answers_removed_from_the_yaml_are_reported_not_deleted(
    seeded_database: Database, catalogue: Catalogue
) -> None:
    fewer = replace(catalogue, answers=catalogue.answers[1:])
    with seeded_database.unit_of_work() as session:
        report = seed_catalogue(session, fewer)
    assert report.not_in_catalogue == [catalogue.answers[0].id]
