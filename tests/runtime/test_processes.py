import os
import sys
import time
from pathlib import Path

from clinic_assistant.runtime.processes import Supervisor

# A child that starts a grandchild of its own, like a server with worker processes.
SPAWNER = """
import subprocess, sys, time
worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
print(worker.pid, flush=True)
time.sleep(300)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] != "Z"


def _wait_for_line(path: Path, timeout: float = 10) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = path.read_text().splitlines() if path.exists() else []
        if lines:
            return lines[0]
        time.sleep(0.05)
    raise AssertionError("the child printed nothing")


def test_stopping_ends_each_child_and_the_processes_it_started(tmp_path: Path) -> None:
    log = tmp_path / "out.log"
    supervisor = Supervisor(stop_timeout=5, log_file=log)
    child = supervisor.start(
        "server", [sys.executable, "-c", SPAWNER], cwd=tmp_path, env=dict(os.environ)
    )
    worker_pid = int(_wait_for_line(log).removeprefix("[server] "))
    assert _alive(worker_pid)
    supervisor.stop()
    assert child.process.poll() is not None
    deadline = time.monotonic() + 5
    while _alive(worker_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(worker_pid)


def test_a_child_that_ignores_sigterm_is_killed_after_the_timeout(tmp_path: Path) -> None:
    stubborn = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('ready', flush=True); time.sleep(300)"
    )
    log = tmp_path / "out.log"
    supervisor = Supervisor(stop_timeout=1, log_file=log)
    child = supervisor.start(
        "stubborn", [sys.executable, "-c", stubborn], cwd=tmp_path, env=dict(os.environ)
    )
    _wait_for_line(log)
    started = time.monotonic()
    supervisor.stop()
    assert child.process.poll() is not None
    assert time.monotonic() - started < 5


def test_output_is_prefixed_with_the_process_name(tmp_path: Path) -> None:
    log = tmp_path / "out.log"
    supervisor = Supervisor(log_file=log)
    child = supervisor.start(
        "actions", [sys.executable, "-c", "print('hello')"], cwd=tmp_path, env=dict(os.environ)
    )
    child.process.wait()
    supervisor.stop()
    assert log.read_text() == "[actions] hello\n"
    assert supervisor.exited() is None
