"""What the public can reach in production, and what the product keeps about patients."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.production.conftest import (
    API_TOKEN,
    RATE_PER_ADDRESS,
    RATE_PER_CONVERSATION,
    WIDGET_ORIGIN,
    Production,
)
from tests.production.patients import WEBHOOK, Reply, request

pytestmark = pytest.mark.production


def _get(port: int, path: str, headers: dict[str, str] | None = None) -> Reply:
    return request(port, "GET", path, headers=headers)


def test_rasa_s_http_api_needs_the_token(production: Production) -> None:
    port = production.config.rasa_ports[0]
    sender = production.patient().sender
    assert _get(port, f"/conversations/{sender}/tracker").status == 401
    assert _get(port, f"/conversations/{sender}/tracker?token=wrong").status == 401
    assert _get(port, f"/conversations/{sender}/tracker?token={API_TOKEN}").status == 200


@pytest.mark.parametrize(
    "path", ["/conversations/x/tracker", "/model", "/status", "/version", "/webhooks/rest/other"]
)
def test_only_the_patient_webhook_of_rasa_is_public(production: Production, path: str) -> None:
    assert _get(production.public_port, f"{path}?token={API_TOKEN}").status == 404


def test_the_token_is_not_on_any_command_line(production: Production) -> None:
    for child in production.cluster.supervisor.children:
        command = Path(f"/proc/{child.process.pid}/cmdline").read_bytes()
        assert API_TOKEN.encode() not in command, child.name


def test_endpoint_files_name_secrets_but_never_hold_them(tmp_path: Path, project_root: Path):
    from clinic_assistant.runtime.stack import StackConfig, endpoints, secret_env
    from tests.production.conftest import production_settings

    settings = production_settings(project_root, 5432, "app", "tracker")
    settings = settings.__class__.from_env({
        **settings.to_env(),
        "CLINIC_TRACKER_URL": "postgresql://rasa:s3cret-pw@db:5432/tracker",
        "CLINIC_REDIS_URL": "redis://:r3dis-pw@cache:6379/0",
    })  # fmt: skip
    config = StackConfig(settings=settings, model=tmp_path / "m", run_dir=tmp_path)
    written = yaml.safe_dump(endpoints(config))
    assert "s3cret-pw" not in written and "r3dis-pw" not in written
    assert "${CLINIC_TRACKER_PASSWORD}" in written and "${CLINIC_REDIS_PASSWORD}" in written
    assert secret_env(settings) == {"CLINIC_TRACKER_PASSWORD": "s3cret-pw",
                                    "CLINIC_REDIS_PASSWORD": "r3dis-pw"}  # fmt: skip


def _preflight(production: Production, origin: str) -> Reply:
    return request(production.public_port, "OPTIONS", WEBHOOK, headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})  # fmt: skip


def test_only_the_clinic_s_pages_may_call_the_webhook_from_a_browser(
    production: Production,
) -> None:
    allowed = _preflight(production, WIDGET_ORIGIN)
    assert allowed.headers.get("access-control-allow-origin") == WIDGET_ORIGIN
    refused = _preflight(production, "https://evil.example")
    assert "access-control-allow-origin" not in refused.headers


def test_too_many_messages_in_one_conversation_get_a_wait_a_minute_reply(
    production: Production,
) -> None:
    patient = production.patient(address="127.0.200.1")
    replies = [patient.say("thank you") for _ in range(RATE_PER_CONVERSATION + 1)]
    assert all(r.answered for r in replies[:RATE_PER_CONVERSATION])
    refused = replies[-1]
    assert refused.status == 429 and refused.error == "rate-limited"
    assert "wait a minute" in refused.text and "999" in refused.text


def test_too_many_messages_from_one_address_get_a_wait_a_minute_reply(
    production: Production,
) -> None:
    replies = [production.patient(address="127.0.201.1").say("hello")
               for _ in range(RATE_PER_ADDRESS + 1)]  # fmt: skip
    assert all(r.status == 200 for r in replies[:RATE_PER_ADDRESS])
    assert (replies[-1].status, replies[-1].error) == (429, "rate-limited")
    # Another patient elsewhere is not affected.
    assert production.patient(address="127.0.201.2").say("hello").status == 200


def test_a_message_over_the_length_limit_gets_a_clear_reply(production: Production) -> None:
    reply = production.patient().say("why " * 600)
    assert (reply.status, reply.error) == (413, "message-too-long")
    assert "2400 characters; the limit is 2000" in reply.text


def test_a_request_too_large_for_nginx_still_gets_a_reply_in_the_widget_s_format(
    production: Production,
) -> None:
    body = json.dumps({"sender": "someone", "message": "x" * 100_000}).encode()
    reply = production.patient().post(body, {"Origin": WIDGET_ORIGIN})
    assert (reply.status, reply.error) == (413, "message-too-long")
    assert reply.headers.get("access-control-allow-origin") == WIDGET_ORIGIN


PERSONAL = "I'm Jo, jo.bloggs@example.com, 07700 900123, born on 3 May 1961. What is a TAP flap?"


def test_emails_phone_numbers_and_birth_dates_are_not_stored_or_logged(
    production: Production,
) -> None:
    patient = production.patient()
    assert patient.say(PERSONAL).answered
    stored = json.dumps(production.tracker_events(patient.sender))
    (turn,) = production.app_rows(
        "SELECT text FROM turns WHERE conversation_id = %s", patient.sender
    )
    for place, text in (("tracker", stored), ("turns", turn[0]), ("logs", production.logs())):
        for detail in ("jo.bloggs@example.com", "07700 900123", "3 May 1961"):
            assert detail not in text, f"{detail} in the {place}"
    assert "[email]" in turn[0] and "[phone]" in turn[0] and "[date of birth]" in turn[0]


# -------------------------------------------------------------------------------- fuzzing
SPECIAL = ["", " ", "\x00", "/restart", "/ask_timing", '{"a": 1}', "<script>alert(1)</script>"]
texts = st.text(max_size=300) | st.sampled_from(SPECIAL)
values = st.none() | st.booleans() | st.integers() | st.floats() | texts | st.lists(texts)
messages = st.fixed_dictionaries(
    {"sender": st.from_regex(r"[a-z0-9-]{1,20}", fullmatch=True), "message": texts},
    optional={"message_id": st.uuids().map(str) | values, "metadata": values},
)
# Mostly message-shaped bodies (they reach the dialogue), and anything at all.
payloads = st.one_of(
    messages.map(lambda body: json.dumps(body).encode()),
    messages.map(lambda body: json.dumps(body).encode()),
    st.dictionaries(texts, values, max_size=4).map(lambda body: json.dumps(body).encode()),
    values.map(lambda body: json.dumps(body).encode()),
    st.binary(max_size=200),
)


@pytest.fixture(scope="module")
def fuzz_log(production: Production):
    """What the fuzzing sent (recorded for the closing figures)."""
    log = {"inputs": 0, "statuses": {}}
    yield log
    from tests.production.test_faults import _record

    _record("webhook_fuzz", log)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(payload=payloads)
def test_no_input_to_the_webhook_gets_a_server_error(production, fuzz_log, payload):
    count = fuzz_log["inputs"] = fuzz_log["inputs"] + 1
    # Each input from an address of its own, so that the rate limits do not hide the channel.
    patient = production.patient(address=f"127.1.{count // 250}.{count % 250 + 1}")
    reply = patient.post(payload)
    fuzz_log["statuses"][reply.status] = fuzz_log["statuses"].get(reply.status, 0) + 1
    assert reply.status < 500, (payload[:200], reply.status, reply.body)
    assert isinstance(reply.body, list) and reply.customs, reply.body


def test_sender_ids_are_checked(production: Production) -> None:
    body = json.dumps({"sender": "../../etc/passwd" + uuid.uuid4().hex, "message": "hi"})
    reply = production.patient().post(body.encode())
    assert (reply.status, reply.error) == (400, "bad-request")
