"""The action server answers only callers holding the secret Rasa is given."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
import requests

from clinic_assistant.action_auth import HEADER
from clinic_assistant.runtime.stack import ACTION_SECRET_HEADER
from clinic_assistant.settings import Settings
from tests.support.action_server import ActionServerProcess

SECRET = "action-secret-for-tests"
# A tracker made by hand, as a caller who is not Rasa would post it: a red-flag message.
HAND_MADE = {
    "next_action": "action_answer",
    "sender_id": "intruder-1",
    "tracker": {
        "sender_id": "intruder-1",
        "slots": {},
        "events": [],
        "latest_message": {
            "text": "I have chest pain",
            "intent": {"name": "symptom"},
            "entities": [],
        },
    },
    "domain": {},
}


@pytest.fixture(scope="module")
def action_server(tmp_path_factory: pytest.TempPathFactory, project_root) -> Iterator[str]:
    directory = tmp_path_factory.mktemp("actions")
    settings = Settings.from_env(
        {"CLINIC_ROOT": str(project_root), "CLINIC_DATABASE_URL": f"sqlite:///{directory / 'c.db'}"}
    )
    with ActionServerProcess(replace(settings, action_secret=SECRET), project_root) as server:
        yield server.url


@pytest.mark.parametrize("headers", [{}, {HEADER: "wrong"}, {HEADER: ""}])
def test_refuses_an_action_call_without_the_shared_secret(action_server: str, headers) -> None:
    response = requests.post(
        f"{action_server}/webhook", json=HAND_MADE, headers=headers, timeout=10
    )
    assert response.status_code == 401


def test_refuses_the_action_list_without_the_shared_secret(action_server: str) -> None:
    assert requests.get(f"{action_server}/actions", timeout=10).status_code == 401


def test_answers_a_call_carrying_the_shared_secret(action_server: str) -> None:
    body = {**HAND_MADE, "next_action": "no_such_action"}
    response = requests.post(
        f"{action_server}/webhook", json=body, headers={HEADER: SECRET}, timeout=10
    )
    assert response.status_code == 404  # past the check: the action is unknown


def test_health_stays_open_for_probes(action_server: str) -> None:
    assert requests.get(f"{action_server}/health", timeout=10).status_code == 200


def test_rasa_is_configured_to_send_the_secret_from_its_environment() -> None:
    assert ACTION_SECRET_HEADER == {HEADER: "${CLINIC_ACTION_SECRET}"}
