"""The Rasa server's own request limits (clinic_nlu.server.serve), set before Rasa creates
its app."""

from __future__ import annotations

import os

import pytest

from clinic_nlu.server.serve import limit_requests
from clinic_nlu.server.settings import ServerSettings


def test_the_rasa_server_refuses_large_bodies_and_slow_headers_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("CLINIC_MAX_BODY_BYTES", "CLINIC_HEADER_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("SANIC_REQUEST_MAX_SIZE", raising=False)
    monkeypatch.delenv("SANIC_REQUEST_TIMEOUT", raising=False)
    limit_requests(ServerSettings.from_env())
    assert os.environ["SANIC_REQUEST_MAX_SIZE"] == "65536"  # Sanic's default: 100 MB
    assert os.environ["SANIC_REQUEST_TIMEOUT"] == "10"  # Sanic's default: 60 s
