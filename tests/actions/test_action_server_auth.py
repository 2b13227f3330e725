"""The action server answers only callers holding the secret Rasa is given."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest
import requests

from clinic_assistant.action_auth import HEADER
from clinic_assistant.runtime.stack import ACTION_SECRET_HEADER, free_port
from clinic_assistant.settings import Settings

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
    settings = replace(settings, action_secret=SECRET)
    port = free_port()
    env = {
        **os.environ,
        **settings.to_env(),
        "PYTHONPATH": str(project_root),
        "SANIC_HOST": "127.0.0.1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)],
        cwd=project_root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # Its own process group: the server's worker processes are stopped with it.
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.25)
        yield url
    finally:
        _stop_group(process)


def _stop_group(process: subprocess.Popen) -> None:
    """SIGTERM the server's process group; SIGKILL it if it has not gone within 20 s (a
    loaded machine can take that long), so no worker is left running after the tests."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)
    except ProcessLookupError:
        pass  # already gone


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
