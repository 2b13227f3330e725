"""The Rasa environment's own unit tests (tests/rasa_env: NLU components and the checked
changes to Rasa), run with its Python, since Rasa cannot be imported here."""

from __future__ import annotations

import subprocess
from pathlib import Path

from clinic_assistant.runtime.model import RasaEnvironment


def test_the_nlu_components_and_rasa_patches_pass_their_unit_tests(project_root: Path) -> None:
    environment = RasaEnvironment(project_root)
    result = subprocess.run(
        [str(environment.python), "-W", "ignore", "-m", "unittest", "discover",
         "-s", "tests/rasa_env", "-t", "."],
        cwd=project_root, env=environment.env(), capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    summary = result.stderr.strip().splitlines()[-1:] or ["(no output)"]
    assert result.returncode == 0, result.stderr[-6000:]
    assert summary == ["OK"], result.stderr[-3000:]
