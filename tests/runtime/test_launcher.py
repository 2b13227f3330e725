"""The run command: starts both servers, prints where they are, and Ctrl-C stops everything."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from tests.support.stack import free_port

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
             "--action-port", str(action_port), "--web-port", str(web_port)],
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
