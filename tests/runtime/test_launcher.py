"""The run command: starts the servers, prints where they are and where their logs are (and no
library noise), shows why a server could not start, and Ctrl-C stops everything."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from clinic_assistant.provisioning import prepare_database
from clinic_assistant.runtime.processes import Supervisor
from clinic_assistant.runtime.stack import Stack, StackConfig, StackError
from tests.support.stack import free_port, stack_settings

pytestmark = pytest.mark.conversation


def _processes_with_marker(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except (FileNotFoundError, PermissionError, ProcessLookupError):
            continue
    return found


def test_ctrl_c_stops_the_servers_and_leaves_no_process_behind(
    tmp_path: Path, project_root: Path, trained_model: Path
) -> None:
    marker = f"CLINIC_TEST_MARKER={uuid.uuid4().hex}"
    rasa_port, action_port, web_port = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        marker.split("=")[0]: marker.split("=")[1],
        "CLINIC_DATABASE_URL": f"sqlite:///{tmp_path / 'clinic.db'}",
        "CLINIC_TRACKER_DB": str(tmp_path / "tracker.db"),
        "RASA_API_TOKEN": "launcher-test",
    }
    output = tmp_path / "run.log"
    with open(output, "w") as log:
        launcher = subprocess.Popen(
            [sys.executable, "-m", "clinic_assistant", "run", "--rasa-port", str(rasa_port),
             "--action-port", str(action_port), "--web-port", str(web_port),
             "--log-dir", str(tmp_path / "logs")],
            cwd=project_root, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 240
        while "The assistant is running" not in output.read_text():
            assert launcher.poll() is None, output.read_text()
            assert time.monotonic() < deadline, output.read_text()
            time.sleep(0.5)
        printed = output.read_text()
        assert f"http://localhost:{rasa_port}" in printed
        assert f"http://localhost:{action_port}" in printed
        assert f"http://localhost:{web_port}/console" in printed
        # The libraries' deprecation and TensorFlow notices are in the servers' logs, named
        # on the terminal, not on the terminal itself.
        assert "Warning" not in printed and "TFBertModel" not in printed
        for server in ("actions", "rasa", "web"):
            assert str(tmp_path / "logs" / f"{server}.log") in printed
        assert "Rasa server is up and running" in (tmp_path / "logs" / "rasa.log").read_text()
        reply = requests.post(
            f"http://localhost:{rasa_port}/webhooks/rest/webhook",
            json={"sender": "launcher", "message": "what is fat grafting"},
            timeout=30,
        ).json()
        assert any(m.get("custom", {}).get("topic") == "option_fat_grafting" for m in reply)
        assert len(_processes_with_marker(marker)) >= 4

        # Ctrl-C in a terminal sends SIGINT to the whole foreground process group.
        os.killpg(launcher.pid, signal.SIGINT)
        assert launcher.wait(timeout=60) == 0
    finally:
        if launcher.poll() is None:
            os.killpg(launcher.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while _processes_with_marker(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _processes_with_marker(marker) == []
    assert "Stopped." in output.read_text()


def test_a_server_that_cannot_start_shows_its_error_and_the_path_of_its_log(
    tmp_path: Path, project_root: Path, trained_model: Path
) -> None:
    settings = stack_settings(project_root, tmp_path)
    prepare_database(settings)
    # Another program holds the Rasa server's port (bound, not yet listening, so the
    # launcher's own check that the port is free passes and Rasa's bind fails).
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        config = StackConfig(
            settings=settings, model=trained_model, run_dir=tmp_path / "run",
            rasa_port=holder.getsockname()[1], action_port=free_port(), web_port=free_port(),
        )  # fmt: skip
        stack = Stack(config, Supervisor(log_dir=tmp_path / "logs"))
        with pytest.raises(StackError) as failed:
            stack.start(timeout=300)
    message = str(failed.value)
    assert message.startswith("the rasa process stopped during start-up")
    assert "address already in use" in message
    assert message.endswith(f"Full log: {tmp_path / 'logs' / 'rasa.log'}")
    assert stack.supervisor.children == []
