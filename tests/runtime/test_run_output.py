"""What the run command shows when a server crashes while the assistant is running."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from clinic_assistant.cli import run_until_stopped
from clinic_assistant.runtime.processes import Supervisor

CRASH = """
import time
for n in range(30):
    print(f"/lib/site-packages/x.py:{n}: DeprecationWarning: old API", flush=True)
time.sleep(0.5)
raise RuntimeError("out of memory while loading the model")
"""


@pytest.fixture
def signal_handlers() -> Iterator[None]:
    """run_until_stopped takes over Ctrl-C and SIGTERM: give them back to pytest."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def test_a_server_that_crashes_shows_its_error_and_log_and_everything_stops(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], signal_handlers: None
) -> None:
    supervisor = Supervisor(log_dir=tmp_path / "logs")

    def start() -> None:
        supervisor.start("rasa", [sys.executable, "-c", CRASH], cwd=tmp_path,
                         env=dict(os.environ))  # fmt: skip

    with pytest.raises(SystemExit) as stopped:
        run_until_stopped(start, supervisor.stop, supervisor.exited)
    assert stopped.value.code == 1
    printed = capsys.readouterr()
    assert "error: the rasa process stopped unexpectedly (exit code 1)" in printed.err
    assert "RuntimeError: out of memory while loading the model" in printed.err
    assert f"Full log: {tmp_path / 'logs' / 'rasa.log'}" in printed.err
    assert "DeprecationWarning" not in printed.out
    assert printed.out.endswith("Stopping...\nStopped.\n")
    assert supervisor.children == []
