import os
import sys
import time
from pathlib import Path

import pytest

from clinic_assistant.runtime.processes import ProcessFailed, Supervisor, run_logged

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


# A server's start-up as a newcomer would see it: library noise, then a logged error.
NOISY = """
import sys
for n in range(40):
    print(f"/lib/site-packages/x.py:{n}: DeprecationWarning: old API", flush=True)
print("2026-11-30 10:00:00 ERROR    rasa.core.agent  - the model could not be loaded", flush=True)
print("2026-11-30 10:00:01 INFO     root  - still here", flush=True)
"""


def test_with_a_log_directory_each_child_s_output_goes_to_its_own_file_and_only_errors_show(
    tmp_path: Path, capsys
) -> None:
    supervisor = Supervisor(log_dir=tmp_path / "logs")
    child = supervisor.start(
        "rasa", [sys.executable, "-c", NOISY], cwd=tmp_path, env=dict(os.environ)
    )
    child.process.wait()
    supervisor.stop()
    assert child.log_path == tmp_path / "logs" / "rasa.log"
    logged = child.log_path.read_text()
    assert logged.count("DeprecationWarning") == 40 and "still here" in logged
    shown = capsys.readouterr().out
    assert shown == (
        "[rasa] 2026-11-30 10:00:00 ERROR    rasa.core.agent  - the model could not be loaded\n"
    )


def test_a_crashed_child_is_described_by_the_end_of_its_log_and_the_log_s_path(
    tmp_path: Path,
) -> None:
    crash = NOISY + "raise SystemExit('the port is taken by another program')\n"
    supervisor = Supervisor(log_dir=tmp_path / "logs")
    child = supervisor.start("web", [sys.executable, "-c", crash], cwd=tmp_path,
                             env=dict(os.environ))  # fmt: skip
    child.process.wait()
    description = child.failure("stopped during start-up")
    supervisor.stop()
    assert description.startswith("the web process stopped during start-up (exit code 1)")
    assert "the port is taken by another program" in description
    assert f"Full log: {tmp_path / 'logs' / 'web.log'}" in description
    # Only the end of the log: the first of the library's notices stay in the file.
    assert "x.py:0:" not in description


def test_a_child_started_again_in_the_same_run_adds_to_its_log(tmp_path: Path) -> None:
    supervisor = Supervisor(log_dir=tmp_path)
    for word in ("first", "second"):
        child = supervisor.start("actions", [sys.executable, "-c", f"print('{word}')"],
                                 cwd=tmp_path, env=dict(os.environ))  # fmt: skip
        child.process.wait()
        child.pump.join()
        supervisor.forget("actions")
    supervisor.stop()
    assert (tmp_path / "actions.log").read_text() == "first\nsecond\n"
    # A new run starts the file afresh.
    Supervisor(log_dir=tmp_path).start(
        "actions", [sys.executable, "-c", "print('third')"], cwd=tmp_path, env=dict(os.environ)
    ).process.wait()
    time.sleep(0.2)
    assert (tmp_path / "actions.log").read_text() == "third\n"


def _training_progress(line: str) -> str | None:
    return "  training X" if "train component" in line else None


def test_a_command_run_to_its_end_shows_its_progress_and_keeps_the_rest_in_its_log(
    tmp_path: Path, capsys
) -> None:
    script = NOISY + "print('Starting to train component X', flush=True)\n"
    log = tmp_path / "logs" / "train.log"
    run_logged([sys.executable, "-c", script], cwd=tmp_path, env=dict(os.environ),
               log_path=log, progress=_training_progress)  # fmt: skip
    assert capsys.readouterr().err == "  training X\n"
    assert log.read_text().count("DeprecationWarning") == 40


def test_a_command_that_fails_raises_with_the_end_of_its_log_and_its_path(
    tmp_path: Path,
) -> None:
    script = NOISY + "raise ValueError('domain.yml: intent greet is not defined')\n"
    log = tmp_path / "train.log"
    with pytest.raises(ProcessFailed) as failed:
        run_logged([sys.executable, "-c", script], cwd=tmp_path, env=dict(os.environ),
                   log_path=log, what="training")  # fmt: skip
    message = str(failed.value)
    assert message.startswith("training failed (exit code 1)")
    assert "ValueError: domain.yml: intent greet is not defined" in message
    assert message.endswith(f"Full log: {log}")
