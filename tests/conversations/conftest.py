"""A real Rasa server and a real action server for the conversation tests of the session.

The stack runs on free ports with its own databases, so it never touches a running assistant.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from clinic_assistant.runtime.stack import Stack
from tests.support.stack import Chat, stack_settings, start_stack


@pytest.fixture(scope="session")
def stack(
    tmp_path_factory: pytest.TempPathFactory, project_root: Path, trained_model: Path
) -> Iterator[Stack]:
    directory = tmp_path_factory.mktemp("stack")
    running = start_stack(stack_settings(project_root, directory), trained_model, directory)
    yield running
    running.stop()


@pytest.fixture
def chat(stack: Stack) -> Chat:
    return Chat(stack.config, sender=f"patient-{uuid.uuid4().hex[:10]}")
