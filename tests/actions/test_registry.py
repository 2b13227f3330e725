"""Every reply goes through a ClinicAction, so no rule or story can answer without the contract."""

from pathlib import Path

import yaml
from rasa_sdk.executor import ActionExecutor

from actions.base import ClinicAction


def _domain(project_root: Path) -> dict:
    return yaml.safe_load((project_root / "domain.yml").read_text())


def test_every_action_in_the_domain_is_served_by_the_action_server(project_root: Path) -> None:
    executor = ActionExecutor()
    executor.register_package("actions")
    served = {item.name for item in executor.list_actions()}
    assert set(_domain(project_root)["actions"]) <= served


def test_every_served_action_is_a_clinic_action(project_root: Path) -> None:
    executor = ActionExecutor()
    executor.register_package("actions")
    for name, function in executor.actions.items():
        assert isinstance(function.__self__, ClinicAction), name


def test_the_domain_has_no_responses_that_could_bypass_the_reply_contract(
    project_root: Path,
) -> None:
    assert not _domain(project_root).get("responses")
