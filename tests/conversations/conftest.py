"""A real Rasa server and a real action server for the conversation tests of the session.

The stack runs on free ports with its own databases, so it never touches a running assistant,
and sends its staff alerts to a real SMTP server the tests start on localhost.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from clinic_assistant.db import Database
from clinic_assistant.runtime.stack import Stack
from tests.support.smtp import SmtpServer
from tests.support.stack import Chat, free_port, stack_settings, start_stack


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    with SmtpServer(free_port()) as server:
        yield server


@pytest.fixture(scope="session")
def stack(
    tmp_path_factory: pytest.TempPathFactory,
    project_root: Path,
    trained_model: Path,
    smtp_server: SmtpServer,
) -> Iterator[Stack]:
    directory = tmp_path_factory.mktemp("stack")
    settings = stack_settings(project_root, directory, smtp_port=smtp_server.port)
    running = start_stack(settings, trained_model, directory)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def stack_database(stack: Stack) -> Iterator[Database]:
    """The running stack's application database, to check the flags it recorded."""
    database = Database(stack.config.settings.database_url)
    yield database
    database.dispose()


@pytest.fixture
def chat(stack: Stack) -> Chat:
    return Chat(stack.config, sender=f"patient-{uuid.uuid4().hex[:10]}")
