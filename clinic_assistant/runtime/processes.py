"""Start child processes, prefix their output, and stop them all together.

Each child runs in its own process group, so stopping it also stops anything it started (the
action server's Sanic workers, for example), and it is told to stop if this process dies, so no
server is left running behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

PR_SET_PDEATHSIG = 1


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

    @property
    def running(self) -> bool:
        return self.process.poll() is None


@dataclass
class Supervisor:
    """Owns a set of child processes; ``stop()`` ends all of them."""

    stop_timeout: float = 15.0
    children: list[Child] = field(default_factory=list)
    log_file: Path | None = None

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
        child = Child(name=name, process=process)
        child.pump = threading.Thread(target=self._pump, args=(child,), daemon=True)
        child.pump.start()
        self.children.append(child)
        return child

    def _pump(self, child: Child) -> None:
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
