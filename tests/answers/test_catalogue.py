from pathlib import Path

import pytest

from clinic_assistant.answers.catalogue import (
    UNSOURCED_TOPICS,
    Catalogue,
    CatalogueError,
    load_catalogue,
)

SOURCES = """
sources:
  - key: northwell
    publisher: Northwell Health
    document: 000_dbfd795e19d6966f.txt
    title: What is partial breast reconstruction?
    audience: patients
"""

GOOD_ANSWER = """
  - id: flap-overview
    topic: option_flap
    title: Flaps
    intents: [ask_flap]
    sources: [northwell]
    review_status: source_verified
    text: A flap moves tissue.
"""


def _write(directory: Path, answers: str, sources: str = SOURCES) -> Path:
    (directory / "sources.yml").write_text(sources)
    (directory / "flaps.yml").write_text("answers:" + answers)
    return directory


def test_the_project_catalogue_loads_without_problems(catalogue: Catalogue) -> None:
    assert len(catalogue.answers) >= 9
    assert {"northwell", "macmillan", "droracle"} <= set(catalogue.sources)


def test_every_medical_answer_cites_a_source_document_kept_in_the_repository(
    catalogue: Catalogue, project_root: Path
) -> None:
    for answer in catalogue.answers:
        if answer.topic not in UNSOURCED_TOPICS:
            assert answer.sources, answer.id
        for key in answer.sources:
            document = catalogue.sources[key].document
            assert (project_root / "docs" / "sources" / document).is_file(), document


def test_a_well_formed_answer_loads_with_its_text_on_one_line(tmp_path: Path) -> None:
    answers = GOOD_ANSWER.replace("A flap moves tissue.", ">-\n      A flap\n      moves tissue.")
    catalogue = load_catalogue(_write(tmp_path, answers))
    assert catalogue.answers[0].text == "A flap moves tissue."


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (("topic: option_flap", "topic: flapz"), "unknown topic 'flapz'"),
        (("sources: [northwell]", "sources: [wikipedia]"), "unknown sources ['wikipedia']"),
        (("sources: [northwell]", "sources: []"), "every medical answer must cite one"),
        (("review_status: source_verified", "review_status: ok"), "review_status must be one of"),
        (("intents: [ask_flap]", "intents: []"), "routes from no intent"),
        (("id: flap-overview", "id: Flap Overview"), "id must be lower-case words"),
        (("    title: Flaps\n", ""), "missing ['title']"),
        (("    text: A flap moves tissue.", "    text: A.\n    colour: red"), "unknown fields"),
    ],
)
def test_a_broken_answer_is_reported_with_its_file_and_id(
    tmp_path: Path, change: tuple[str, str], problem: str
) -> None:
    with pytest.raises(CatalogueError) as raised:
        load_catalogue(_write(tmp_path, GOOD_ANSWER.replace(*change)))
    report = str(raised.value)
    assert "flaps.yml: answer" in report
    assert problem in report


def test_the_same_answer_id_in_two_files_is_reported(tmp_path: Path) -> None:
    _write(tmp_path, GOOD_ANSWER)
    (tmp_path / "more.yml").write_text("answers:" + GOOD_ANSWER)
    with pytest.raises(CatalogueError, match="flap-overview is also in"):
        load_catalogue(tmp_path)


def test_invalid_yaml_is_reported_and_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    _write(tmp_path, GOOD_ANSWER.replace("topic: option_flap", "topic: nope"))
    (tmp_path / "broken.yml").write_text("answers: [unclosed")
    with pytest.raises(CatalogueError) as raised:
        load_catalogue(tmp_path)
    assert len(raised.value.problems) == 2
    assert "broken.yml: not valid YAML" in str(raised.value)


def test_a_missing_sources_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "flaps.yml").write_text("answers:" + GOOD_ANSWER)
    with pytest.raises(CatalogueError, match=r"sources\.yml: missing"):
        load_catalogue(tmp_path)
