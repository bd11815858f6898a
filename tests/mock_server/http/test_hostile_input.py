"""Malformed, oversized, deeply nested and non-UTF-8 bodies get the documented error on
every JSON route, never a 500, and a refused request changes nothing (issue 14: 1-3)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mock_server.fake import Fake
from tests.conftest import User

DEEP = b"[" * 100_000 + b"]" * 100_000
LONE_SURROGATE_ESCAPED = b'"\\ud800"'
LONE_SURROGATE_RAW = '"\ud800"'.encode("utf-8", "surrogatepass")
BAD = {
    "deep": DEEP,
    "just past the depth limit": b"[" * 65 + b"]" * 65,
    "lone surrogate (escaped)": LONE_SURROGATE_ESCAPED,
    "lone surrogate (raw bytes)": LONE_SURROGATE_RAW,
    "latin-1 bytes": b'{"task_name": "caf\xe9"}',
    "NaN": b'{"seconds": NaN}',
    "truncated": b'{"a": ',
}


def json_routes(user: User) -> list[tuple[str, str]]:
    """Every route that reads a JSON body (public and admin)."""
    sid = user.session_id
    return [
        ("POST", "/api/auth/claim-token"),
        ("POST", "/api/tasks/me/with-session/nemo_agent"),
        ("POST", f"/api/upload-video/nemo_agent/me/{sid}"),
        ("POST", "/api/render/proxy/lambda"),
        ("POST", "/run_sse"),
        ("POST", "/_fake/reset"),
        ("POST", "/_fake/clock/advance"),
        ("PATCH", "/_fake/config"),
        ("POST", "/_fake/faults"),
        ("POST", "/_fake/accounts"),
    ]


def expected_status(path: str) -> int:
    return 422 if path == "/run_sse" else 400


@pytest.mark.parametrize("kind", list(BAD))
def test_every_json_route_refuses_bad_json_without_a_500(
    http: httpx.Client, fake: Fake, user: User, kind: str
) -> None:
    before = http.get("/api/credits/balance/simple", headers=user.auth).json()["data"]
    headers = {**user.auth, "Content-Type": "application/json"}
    for method, path in json_routes(user):
        response = http.request(method, path, headers=headers, content=BAD[kind])
        assert response.status_code == expected_status(path), (path, response.text)
        text = response.text.lower()
        assert "malformed" in text or "invalid" in text, (path, response.text)
    # nothing was charged and the journal still reads (it answered 500 before)
    assert http.get("/api/credits/balance/simple", headers=user.auth).json()["data"] == before
    assert http.get("/_fake/requests").status_code == 200
    state = http.get(f"/api/state/nemo_agent/me/{user.session_id}/latest", headers=user.auth)
    assert state.status_code == 200 and state.json()["code"] == 0


def test_lone_surrogates_are_named_in_the_error(http: httpx.Client, user: User) -> None:
    body = b'{"task_name": "a\\ud800b"}'
    response = http.post(
        "/api/tasks/me/with-session/nemo_agent",
        headers={**user.auth, "Content-Type": "application/json"},
        content=body,
    )
    assert response.status_code == 400 and "lone surrogate" in response.json()["message"]


def test_a_lone_surrogate_turn_charges_nothing_and_leaves_the_session_readable(
    http: httpx.Client, user: User
) -> None:
    before = http.get("/api/credits/balance/simple", headers=user.auth).json()["data"]
    text = b'{"session_id": "%s", "new_message": {"parts": [{"text": "make a video \\udfff"}]}}'
    response = http.post(
        "/run_sse",
        headers={**user.auth, "Content-Type": "application/json"},
        content=text % user.session_id.encode(),
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"
    assert http.get("/api/credits/balance/simple", headers=user.auth).json()["data"] == before
    state = http.get(f"/api/state/nemo_agent/me/{user.session_id}/latest", headers=user.auth)
    assert state.json()["code"] == 0


def test_an_upload_url_with_a_lone_surrogate_is_refused(http: httpx.Client, user: User) -> None:
    body = b'{"urls": ["https://cdn.example.com/\\ud800.mp4"], "source_type": "url"}'
    response = http.post(
        f"/api/upload-video/nemo_agent/me/{user.session_id}",
        headers={**user.auth, "Content-Type": "application/json"},
        content=body,
    )
    assert response.status_code == 400
    state = http.get(f"/api/state/nemo_agent/me/{user.session_id}/latest", headers=user.auth)
    assert state.json()["data"]["state"]["video_infos"] == []


@pytest.mark.parametrize(
    ("depth", "accepted"), [(64, True), (65, False)], ids=["at-limit", "past-limit"]
)
def test_the_depth_limit_is_exact(
    http: httpx.Client, user: User, depth: int, accepted: bool
) -> None:
    nested: Any = "x"
    for _ in range(depth - 1):
        nested = [nested]
    response = http.post(
        "/api/tasks/me/with-session/nemo_agent",
        headers=user.auth,
        json={"task_name": "t", "extra": nested},  # the object itself is level 1
    )
    assert (response.json()["code"] == 0) is accepted, response.text


def test_big_integers_stay_exact(http: httpx.Client) -> None:
    response = http.post("/_fake/reset", json={"seed": 2**70})
    assert response.json() == {"status": "reset", "seed": 2**70}


@pytest.mark.parametrize(("size", "accepted"), [(4096, True), (4097, False)])
def test_the_body_limit_is_exact_on_run_sse(
    http: httpx.Client, fake: Fake, user: User, size: int, accepted: bool
) -> None:
    fake.configure(max_body_bytes=4096)
    head = b'{"session_id": "%s", "pad": "' % user.session_id.encode()
    body = head + b"x" * (size - len(head) - 2) + b'"}'
    assert len(body) == size
    before = http.get("/api/credits/balance/simple", headers=user.auth).json()["data"]
    with http.stream(
        "POST",
        "/run_sse",
        headers={**user.auth, "Content-Type": "application/json"},
        content=iter([body[:1000], body[1000:]]),  # no Content-Length: the stream is counted
    ) as response:
        # the turn streams on the manual clock: its head is enough (and a wrongly
        # accepted body must fail here, not hang reading the stream)
        assert response.status_code == (200 if accepted else 413)
        if accepted:
            return
        response.read()
    assert response.status_code == 413 and response.json()["code"] == 413
    assert response.headers["connection"] == "close"
    assert http.get("/api/credits/balance/simple", headers=user.auth).json()["data"] == before


def test_a_declared_oversized_body_is_refused_before_reading(
    http: httpx.Client, user: User
) -> None:
    response = http.post(
        "/api/tasks/me/with-session/nemo_agent",
        headers={**user.auth, "Content-Type": "application/json", "Content-Length": "9999999999"},
        content=b"{}",
    )
    assert response.status_code == 413 and "9999999999" in response.json()["message"]
