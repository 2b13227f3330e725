"""Start child processes, send their output to log files, and stop them all together.

Each child runs in its own process group, so stopping it also stops anything it started (the
action server's Sanic workers, for example), and it is told to stop if this process dies, so no
server is left running behind.

With a log directory, each child's output goes to a file of its own there, and the terminal
shows only its error lines: the libraries' deprecation and TensorFlow notices stay in the files.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

PR_SET_PDEATHSIG = 1
# A line a server logs at error level (Rasa, Sanic, uvicorn and Python's logging all put the
# level's name in it): shown on the terminal as well as written to the log file.
ERROR_LINE = re.compile(r"\b(ERROR|CRITICAL)\b")
# How much of a log a failure shows on the terminal (a traceback's end fits).
TAIL_LINES = 15


class ProcessFailed(RuntimeError):
    """A child process failed; the message holds the end of its output and its log's path."""


def _die_with_parent() -> None:
    """In the child, before exec: ask the kernel to send SIGTERM when the parent dies.

    The kernel's "parent" is the thread that started the child: start children from the main
    thread (or one that lives as long), or they stop when that thread ends.
    """
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Child:
    name: str
    process: subprocess.Popen
    pump: threading.Thread | None = None
    # Its own log file, when the supervisor has a log directory.
    log_path: Path | None = None
    # The file its output goes to with the others' (prefixed with its name), if any.
    shared_log: Path | None = None

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def failure(self, what: str) -> str:
        """``what`` happened to this process: with the end of its log and where the rest is."""
        message = f"the {self.name} process {what} (exit code {self.process.returncode})"
        if self.pump:
            self.pump.join(timeout=2)  # the last lines it wrote are in the file
        if self.log_path is None:
            where = self.shared_log or "the output above"
            return f"{message}; see its lines ([{self.name}]) in {where}"
        return f"{message}; the end of its log:\n{tail(self.log_path)}\nFull log: {self.log_path}"


def tail(path: Path, lines: int = TAIL_LINES) -> str:
    """The last lines of a log file, indented for the terminal."""
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return "  (no output)"
    return "\n".join(f"  {line}" for line in text.splitlines()[-lines:]) or "  (no output)"


@dataclass
class Supervisor:
    """Owns a set of child processes; ``stop()`` ends all of them."""

    stop_timeout: float = 15.0
    children: list[Child] = field(default_factory=list)
    # All children's output in one file, each line prefixed with the child's name (tests).
    log_file: Path | None = None
    # Or each child's output in <log_dir>/<name>.log, and only error lines on the terminal.
    log_dir: Path | None = None
    # The children whose log this supervisor started (a crashed one's log is kept on restart).
    logged: set[str] = field(default_factory=set)

    def start(self, name: str, argv: list[str], *, cwd: Path, env: dict[str, str]) -> Child:
        process = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        child = Child(name=name, process=process, log_path=self._log_path(name),
                      shared_log=self.log_file)  # fmt: skip
        child.pump = threading.Thread(target=self._pump, args=(child,), daemon=True)
        child.pump.start()
        self.children.append(child)
        return child

    def _log_path(self, name: str) -> Path | None:
        if self.log_dir is None:
            return None
        self.log_dir.mkdir(parents=True, exist_ok=True)
        path = self.log_dir / f"{name}.log"
        # A new run starts its log afresh; a process started again in the same run appends.
        if name not in self.logged:
            path.write_text("")
            self.logged.add(name)
        return path

    def _pump(self, child: Child) -> None:
        if child.log_path is not None:
            self._pump_to_own_log(child, child.log_path)
            return
        with contextlib.ExitStack() as stack:
            sink = (
                stack.enter_context(open(self.log_file, "a", encoding="utf-8"))
                if self.log_file
                else sys.stdout
            )
            output = child.process.stdout
            assert output is not None, "children are started with stdout=PIPE"
            for raw in iter(output.readline, b""):
                sink.write(f"[{child.name}] {raw.decode(errors='replace').rstrip()}\n")
                sink.flush()

    @staticmethod
    def _pump_to_own_log(child: Child, path: Path) -> None:
        output = child.process.stdout
        assert output is not None, "children are started with stdout=PIPE"
        with open(path, "a", encoding="utf-8") as log:
            for raw in iter(output.readline, b""):
                line = raw.decode(errors="replace").rstrip()
                log.write(line + "\n")
                log.flush()
                if ERROR_LINE.search(line):
                    print(f"[{child.name}] {line}", flush=True)

    def exited(self) -> Child | None:
        """A child that has stopped on its own, if any."""
        return next((child for child in self.children if not child.running), None)

    def forget(self, name: str) -> None:
        """Drop the stopped children called ``name`` (before starting it again)."""
        self.children = [c for c in self.children if c.name != name or c.running]

    def stop(self) -> None:
        """SIGTERM every child's process group, then SIGKILL whatever is left after a while."""
        for child in self.children:
            _signal_group(child.process, signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        for child in self.children:
            remaining = max(0.0, deadline - time.monotonic())
            try:
                child.process.wait(timeout=remaining)
            except subprocess.TimeoutExpired:
                _signal_group(child.process, signal.SIGKILL)
                child.process.wait()
            # Workers of a server may outlive its main process for a moment.
            _signal_group(child.process, signal.SIGKILL)
        for child in self.children:
            if child.pump:
                child.pump.join(timeout=2)
        self.children.clear()


def _signal_group(process: subprocess.Popen, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


def run_logged(
    argv: list[str], *, cwd: Path, env: dict[str, str], log_path: Path,
    progress: Callable[[str], str | None] = lambda line: None, what: str = "",
) -> None:  # fmt: skip
    """Run a command to its end with its output in ``log_path``; show only its progress.

    ``progress`` turns a line worth showing into what the terminal shows (None for the rest).
    Raises ProcessFailed, with the end of the log, if the command fails.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
        assert process.stdout is not None  # stdout=PIPE
        for raw in iter(process.stdout.readline, b""):
            line = raw.decode(errors="replace").rstrip()
            log.write(line + "\n")
            log.flush()
            if shown := progress(line):
                print(shown, file=sys.stderr, flush=True)
        process.wait()
    if process.returncode != 0:
        name = what or Path(argv[0]).name
        raise ProcessFailed(
            f"{name} failed (exit code {process.returncode}); the end of its log:\n"
            f"{tail(log_path)}\nFull log: {log_path}"
        )
