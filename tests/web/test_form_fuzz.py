"""Whatever a signed-in staff member (or anyone) types into the console's forms, the answer is
a page or a clear refusal, never a server error. Property-based: Hypothesis makes the input."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.web.conftest import csrf_of

text = st.text(max_size=400) | st.sampled_from(
    ["", " ", "\x00", "<script>alert(1)</script>", "{{ 7*7 }}", "' OR 1=1 --", "a" * 6000,
     "nurse", "admin", "publish", "disable", "role", "password", "yes"]
)  # fmt: skip
ident = st.sampled_from(["timing-immediate-or-delayed", "no-such-answer", "..", "%00"]) | text
FORMS = st.sampled_from([
    ("/console/answers/{id}", ["title", "text", "sources", "review_status", "reason", "action"]),
    ("/console/answers/preview", ["text"]),
    ("/console/answers/{id}/publish", []),
    ("/console/answers/{id}/revert/{n}", []),
    ("/console/conversations/{id}/review", ["reviewed", "tags", "notes"]),
    ("/console/staff", ["username", "display_name", "role", "password"]),
    ("/console/staff/{n}", ["action", "role", "password"]),
    ("/console/flags/{n}/acknowledge", ["note"]),
    ("/console/flags/{n}/resolve", ["note"]),
    ("/console/login", ["username", "password"]),
])  # fmt: skip


@pytest.fixture
def fuzzing_admin(admin: TestClient) -> tuple[TestClient, str]:
    return admin, csrf_of(admin.get("/console/staff").text)


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(form=FORMS, path_id=ident, number=st.integers(-5, 10**12),
       values=st.lists(text, min_size=6, max_size=6),
       with_csrf=st.booleans())  # fmt: skip
def test_no_console_form_input_gets_a_server_error(
    fuzzing_admin, form, path_id, number, values, with_csrf
) -> None:
    client, csrf = fuzzing_admin
    path, fields = form
    url = path.format(id=quote(path_id, safe="") or "x", n=number)
    data = dict(zip(fields, values, strict=False))
    if with_csrf:
        data["csrf_token"] = csrf
    response = client.post(url, data=data, follow_redirects=False)
    assert response.status_code < 500, (url, data, response.text[:300])
