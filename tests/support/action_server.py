"""An action server started as its own process (``clinic_assistant.action_server``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from clinic_assistant.runtime.stack import free_port
from clinic_assistant.settings import Settings


class ActionServerProcess:
    """Starts on enter and waits for its health check; stops its whole process group on exit
    (rasa-sdk's Sanic runs worker processes)."""

    def __init__(self, settings: Settings, project_root: Path) -> None:
        self.settings, self.project_root = settings, project_root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> ActionServerProcess:
        env = {**os.environ, **self.settings.to_env(), "PYTHONPATH": str(self.project_root),
               "SANIC_HOST": "127.0.0.1"}  # fmt: skip
        self.process = subprocess.Popen(
            [sys.executable, "-m", "clinic_assistant.action_server", "--port", str(self.port)],
            cwd=self.project_root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(f"the action server exited with {self.process.returncode}")
            time.sleep(0.25)
        self.__exit__()
        raise TimeoutError("the action server did not answer within 120 s")

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def stop(self) -> int | None:
        """SIGTERM the process group; SIGKILL it if it has not gone within 20 s (a loaded
        machine can take that long). Returns the server's exit code."""
        process = self.process
        if process is None:
            return None
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)
        except ProcessLookupError:
            pass  # already gone
        self.process = None
        return process.returncode
