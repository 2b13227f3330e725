"""Conversation ids: a documented character set and length only; secrets bound to one id."""

from __future__ import annotations

import pytest

from clinic_common.conversations import (
    conversation_secret,
    is_conversation_id,
    secret_matches,
)


@pytest.mark.parametrize(
    "value",
    ["web-3f2a9c", "patient-1", "a", "eval-0123456789abcdef", "x" * 128, "user@clinic:2.b"],
)
def test_accepts_an_id_of_the_documented_characters(value: str) -> None:
    assert is_conversation_id(value)


@pytest.mark.parametrize(
    "value",
    [".", "..", "-x", "", "web-1\n", "web-1\r\n", "web 1", "a/b", "../etc", "x" * 129,
     "caf\u00e9", "\u0661\u0662", "web-1\x00", None, 42],
)  # fmt: skip
def test_refuses_an_id_outside_the_documented_characters(value: object) -> None:
    assert not is_conversation_id(value)


def test_refuses_a_conversation_id_ending_in_a_newline() -> None:
    assert not is_conversation_id("patient-1\n")


def test_a_secret_opens_only_its_own_conversation() -> None:
    secret = conversation_secret("server-key", "web-1")
    assert len(secret) == 43
    assert secret_matches("server-key", "web-1", secret)
    assert not secret_matches("server-key", "web-2", secret)
    assert not secret_matches("another-key", "web-1", secret)
    tampered = secret[:-1] + ("B" if secret.endswith("A") else "A")
    assert not secret_matches("server-key", "web-1", tampered)
    assert not secret_matches("", "web-1", secret)
    assert not secret_matches("server-key", "web-1", None)
