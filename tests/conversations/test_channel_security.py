"""The patient webhook on the real Rasa server: conversation ids, posts from other sites, costly
requests, and conversations that only their secret's holder can continue."""

from __future__ import annotations

import json
import socket
import time
import uuid

import pytest
import requests

from clinic_assistant.runtime.stack import Stack
from clinic_common.conversations import conversation_secret
from tests.support.stack import Chat

pytestmark = pytest.mark.conversation


def post(stack: Stack, body: object, headers: dict[str, str] | None = None,
         raw: bytes | None = None) -> requests.Response:  # fmt: skip
    data = raw if raw is not None else json.dumps(body).encode()
    return requests.post(
        stack.config.webhook_url,
        data=data,
        timeout=60,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def error_of(response: requests.Response) -> str:
    return next(m["custom"].get("error") for m in response.json() if "custom" in m)


def new_id() -> str:
    return f"web-{uuid.uuid4().hex[:16]}"


# ---------------------------------------------------------------------- conversation ids
@pytest.mark.parametrize(
    "sender", [".", "..", "patient-1\n", "patient 1", "a/b", "x" * 129, "caf\u00e9", "-dash-first"]
)
def test_refuses_a_conversation_id_outside_the_documented_characters(
    stack: Stack, sender: str
) -> None:
    response = post(stack, {"sender": sender, "message": "hello"})
    assert response.status_code == 400
    assert "conversation id must be" in response.json()[0]["text"]


def test_refuses_a_conversation_id_ending_in_a_newline(stack: Stack) -> None:
    response = post(stack, {"sender": new_id() + "\n", "message": "hello"})
    assert response.status_code == 400


# ---------------------------------------------------------------------- other sites
@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""],
)
def test_refuses_a_message_that_is_not_sent_as_json(stack: Stack, content_type: str) -> None:
    sender = new_id()
    body = json.dumps({"sender": sender, "message": "I have chest pain"}).encode()
    response = requests.post(
        stack.config.webhook_url, data=body, headers={"Content-Type": content_type}, timeout=60
    )
    assert response.status_code == 415
    assert error_of(response) == "bad-request"


def test_refuses_a_post_from_a_page_outside_the_allow_list(stack: Stack) -> None:
    response = post(
        stack, {"sender": new_id(), "message": "hello"}, {"Origin": "https://evil.example"}
    )
    assert response.status_code == 403
    assert error_of(response) == "bad-origin"


def test_answers_a_post_from_the_widget_s_own_page(stack: Stack) -> None:
    response = post(
        stack, {"sender": new_id(), "message": "hello"}, {"Origin": stack.config.web_url}
    )
    assert response.status_code == 200


# ---------------------------------------------------------------------- costly requests
def test_refuses_a_body_over_the_size_limit_without_reading_it(stack: Stack) -> None:
    body = json.dumps({"sender": new_id(), "message": "x" * 5_000_000}).encode()
    started = time.monotonic()
    response = post(stack, None, raw=body)
    assert response.status_code == 413
    assert time.monotonic() - started < 10


def test_gives_up_on_a_body_that_never_arrives(stack: Stack) -> None:
    port = stack.config.rasa_port
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(
            b"POST /webhooks/rest/webhook HTTP/1.1\r\nHost: x\r\n"
            b'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"sender":'
        )
        started = time.monotonic()
        answer = connection.recv(4096)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:80]
    assert time.monotonic() - started < 20


def test_a_message_of_emoji_does_not_hold_up_another_patient(stack: Stack) -> None:
    import concurrent.futures

    emoji = "\U0001f600" * 2000
    post(stack, {"sender": new_id(), "message": "hello"})  # the server's first message warms up
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        heavy = [pool.submit(post, stack, {"sender": new_id(), "message": emoji})
                 for _ in range(8)]  # fmt: skip
        time.sleep(0.05)
        started = time.monotonic()
        light = post(stack, {"sender": new_id(), "message": "what is a TAP flap?"})
        took = time.monotonic() - started
        assert all(f.result().status_code == 200 for f in heavy)
    assert light.status_code == 200
    assert took < 1.5, f"another patient waited {took:.2f} s"


# ---------------------------------------------------------------------- conversation secrets
def start_protected(stack: Stack) -> tuple[str, str, requests.Response]:
    sender = new_id()
    first = post(
        stack, {"sender": sender, "message": "hello", "secret": "", "message_id": uuid.uuid4().hex}
    )
    secrets = {m["custom"].get("conversation_secret") for m in first.json() if "custom" in m}
    (secret,) = secrets
    return sender, secret, first


def test_the_first_reply_gives_the_widget_its_conversation_secret(stack: Stack) -> None:
    sender, secret, first = start_protected(stack)
    assert first.status_code == 200
    assert secret == conversation_secret(stack.config.settings.conversation_key, sender)


def test_a_message_with_the_secret_continues_the_conversation(stack: Stack) -> None:
    sender, secret, _ = start_protected(stack)
    reply = post(stack, {"sender": sender, "message": "what is a TAP flap?", "secret": secret})
    assert reply.status_code == 200
    assert all("conversation_secret" not in m.get("custom", {}) for m in reply.json())


@pytest.mark.parametrize("secret", [None, "wrong", "A" * 43, ""])
def test_refuses_a_message_to_a_protected_conversation_without_its_secret(
    stack: Stack, secret: str | None
) -> None:
    sender, _, _ = start_protected(stack)
    body = {"sender": sender, "message": "I have chest pain"}
    if secret is not None:
        body["secret"] = secret
    reply = post(stack, body)
    assert reply.status_code == 403
    assert error_of(reply) == "conversation-secret"


def test_replaying_a_message_id_without_the_secret_does_not_give_the_stored_reply(
    stack: Stack,
) -> None:
    sender = new_id()
    message_id = uuid.uuid4().hex
    first = post(
        stack,
        {
            "sender": sender,
            "message": "my wound is leaking",
            "secret": "",
            "message_id": message_id,
        },
    )
    assert first.status_code == 200
    replay = post(stack, {"sender": sender, "message": "x", "message_id": message_id})
    assert replay.status_code == 403
    assert "wound" not in replay.text.lower()


def test_a_conversation_started_without_a_secret_still_works_for_api_clients(
    chat: Chat,
) -> None:
    assert chat.say("hello")
    assert chat.say("what is a TAP flap?")
