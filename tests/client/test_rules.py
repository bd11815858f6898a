"""The request rules of `core.call`, through both drivers."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import respx

from client import (
    BadRequest,
    ClientConfig,
    ExportBlocked,
    FileTooLarge,
    InsufficientCredits,
    NetworkError,
    ProtocolError,
    RateLimited,
    ServerError,
    SessionExpired,
    TokenInvalid,
    UnsupportedFileType,
)

from .helpers import (
    SID,
    SID2,
    TOKEN,
    TOKEN2,
    WEB,
    Harness,
    fail,
    json_of,
    ok,
    sse,
    state_body,
    stream_response,
)

CREDITS = {"available": 100, "frozen": 0, "total": 100}


def test_anonymous_token_then_bearer_and_attribution_everywhere(
    harness: Harness, basic: respx.MockRouter
) -> None:
    basic.get("/api/credits/balance/simple").mock(return_value=ok(CREDITS))
    client = harness.client()
    assert harness.run(client, "credits").available == 100
    token_call, credits_call = basic.calls[0].request, basic.calls[1].request
    assert token_call.url.path == "/api/auth/anonymous-token"
    assert token_call.headers["X-Client-Id"] == "client-123"
    assert "Authorization" not in token_call.headers
    assert token_call.content == b""  # no body
    assert credits_call.headers["Authorization"] == f"Bearer {TOKEN}"
    for call in basic.calls:
        assert call.request.headers["X-Skill-Source"] == "test-skill"
        assert call.request.headers["X-Skill-Version"] == "9.9.9"
        assert call.request.headers["X-Skill-Platform"] == "unknown"
    assert client.user_id == "anon_0123456789abcdef"
    assert TOKEN not in repr(client)


def test_env_token_skips_anonymous_token(
    harness: Harness, api: respx.MockRouter, config: ClientConfig
) -> None:
    api.get("/api/credits/balance/simple").mock(return_value=ok(CREDITS))
    client = harness.client(config=config.with_token(TOKEN2))
    assert harness.run(client, "ensure_token") == TOKEN2
    harness.run(client, "credits")
    assert [c.request.url.path for c in api.calls] == ["/api/credits/balance/simple"]
    assert api.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN2}"


def test_session_creation_body(harness: Harness, basic: respx.MockRouter) -> None:
    client = harness.client()
    info = harness.run(client, "create_session", "zh-CN")
    assert (info.session_id, info.task_id) == (SID, "task_1")
    assert json_of(basic.calls[-1].request) == {"task_name": "project", "language": "zh-CN"}
    assert basic.calls[-1].request.headers["Content-Type"] == "application/json"
    assert (client.session_id, client.task_id) == (SID, "task_1")


@pytest.mark.parametrize("status", [200, 401])
def test_1001_reacquires_with_same_client_id_and_retries_once(
    harness: Harness, api: respx.MockRouter, config: ClientConfig, status: int
) -> None:
    tokens = api.post("/api/auth/anonymous-token").mock(
        return_value=ok({"token": TOKEN2, "user_id": "anon_2"})
    )
    credits = api.get("/api/credits/balance/simple").mock(
        side_effect=[fail(1001, status, "Token expired"), ok(CREDITS)]
    )
    client = harness.client(config=config.with_token(TOKEN))
    assert harness.run(client, "credits").total == 100
    assert tokens.call_count == 1
    assert tokens.calls[0].request.headers["X-Client-Id"] == "client-123"
    assert credits.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert credits.calls[1].request.headers["Authorization"] == f"Bearer {TOKEN2}"
    assert client.token == TOKEN2


def test_1001_twice_surfaces(harness: Harness, api: respx.MockRouter, config: ClientConfig) -> None:
    api.post("/api/auth/anonymous-token").mock(return_value=ok({"token": TOKEN2}))
    credits = api.get("/api/credits/balance/simple").mock(return_value=fail(1001))
    client = harness.client(config=config.with_token(TOKEN))
    with pytest.raises(TokenInvalid):
        harness.run(client, "credits")
    assert credits.call_count == 2


def test_1001_on_anonymous_token_is_not_looped(harness: Harness, api: respx.MockRouter) -> None:
    tokens = api.post("/api/auth/anonymous-token").mock(return_value=fail(1001))
    with pytest.raises(TokenInvalid):
        harness.run(harness.client(), "acquire_token")
    assert tokens.call_count == 1


def test_missing_client_id(harness: Harness, config: ClientConfig) -> None:
    from dataclasses import replace

    client = harness.client(config=replace(config, client_id=None))
    with pytest.raises(Exception, match="No client id"):
        harness.run(client, "acquire_token")


def test_anonymous_token_without_token_is_a_protocol_error(
    harness: Harness, api: respx.MockRouter
) -> None:
    api.post("/api/auth/anonymous-token").mock(return_value=ok({"credits": 100}))
    with pytest.raises(ProtocolError):
        harness.run(harness.client(), "acquire_token")


def test_400_missing_client_id_is_typed(harness: Harness, api: respx.MockRouter) -> None:
    api.post("/api/auth/anonymous-token").mock(
        return_value=fail(400, 400, "Missing X-Client-Id header")
    )
    with pytest.raises(BadRequest, match="X-Client-Id"):
        harness.run(harness.client(), "acquire_token")


def test_429_waits_30s_and_retries_once(harness: Harness, api: respx.MockRouter) -> None:
    tokens = api.post("/api/auth/anonymous-token").mock(
        side_effect=[fail(429, 429, "Retry in 30s once"), ok({"token": TOKEN})]
    )
    info = harness.run(harness.client(), "acquire_token")
    assert info.token == TOKEN and tokens.call_count == 2
    assert harness.clock.sleeps == [30.0]


def test_429_twice_raises(harness: Harness, api: respx.MockRouter) -> None:
    tokens = api.post("/api/auth/anonymous-token").mock(return_value=fail(429, 429))
    with pytest.raises(RateLimited):
        harness.run(harness.client(), "acquire_token")
    assert tokens.call_count == 2 and harness.clock.sleeps == [30.0]


def test_5xx_on_idempotent_get_is_retried_with_backoff(
    harness: Harness, basic: respx.MockRouter
) -> None:
    route = basic.get("/api/credits/balance/simple").mock(
        side_effect=[httpx.Response(503), httpx.Response(502, text="bad gateway"), ok(CREDITS)]
    )
    assert harness.run(harness.client(), "credits").available == 100
    assert route.call_count == 3 and harness.clock.sleeps == [1.0, 2.0]


def test_5xx_retries_are_bounded(harness: Harness, basic: respx.MockRouter) -> None:
    route = basic.get("/api/credits/balance/simple").mock(return_value=httpx.Response(500))
    with pytest.raises(ServerError):
        harness.run(harness.client(), "credits")
    assert route.call_count == 4 and harness.clock.sleeps == [1.0, 2.0, 4.0]


def test_network_errors_on_idempotent_get_are_retried(
    harness: Harness, basic: respx.MockRouter
) -> None:
    route = basic.get("/api/credits/balance/simple").mock(
        side_effect=[httpx.ConnectError("refused"), httpx.ReadError("reset"), ok(CREDITS)]
    )
    assert harness.run(harness.client(), "credits").available == 100
    assert route.call_count == 3


def test_network_errors_give_up_typed(harness: Harness, basic: respx.MockRouter) -> None:
    basic.get("/api/credits/balance/simple").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(NetworkError) as caught:
        harness.run(harness.client(), "credits")
    assert caught.value.delivered is False and "ConnectError" in str(caught.value)


def test_5xx_on_post_is_never_retried(harness: Harness, basic: respx.MockRouter) -> None:
    route = basic.post("/api/tasks/me/with-session/nemo_agent").mock(
        return_value=httpx.Response(503)
    )
    with pytest.raises(ServerError):
        harness.run(harness.client(), "create_session")
    assert route.call_count == 1 and harness.clock.sleeps == []


def test_5xx_on_run_sse_is_never_retried(harness: Harness, basic: respx.MockRouter) -> None:
    route = basic.post("/run_sse").mock(return_value=httpx.Response(500, json={"detail": "boom"}))
    with pytest.raises(ServerError):
        harness.run(harness.client(), "send", "hello")
    assert route.call_count == 1


def test_connect_error_on_run_sse_is_reported_not_recovered(
    harness: Harness, basic: respx.MockRouter
) -> None:
    route = basic.post("/run_sse").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(NetworkError):
        harness.run(harness.client(), "send", "hello")
    assert route.call_count == 1 and harness.clock.sleeps == []


@pytest.mark.parametrize("status", [200, 404])
def test_1002_creates_a_new_session_and_tells_the_caller(
    harness: Harness, basic: respx.MockRouter, status: int
) -> None:
    basic.post("/api/tasks/me/with-session/nemo_agent").mock(
        side_effect=[
            ok({"task_id": "task_1", "session_id": SID}),
            ok({"task_id": "task_2", "session_id": SID2}),
        ]
    )
    basic.get(f"/api/state/nemo_agent/me/{SID}/latest").mock(
        return_value=fail(1002, status, "Session not found")
    )
    client = harness.client()
    harness.run(client, "create_session")
    with pytest.raises(SessionExpired) as caught:
        harness.run(client, "state")
    assert (caught.value.old_session_id, caught.value.new_session_id) == (SID, SID2)
    assert caught.value.task_id == "task_2" and caught.value.code == 1002
    assert (client.session_id, client.task_id) == (SID2, "task_2")
    # Nothing was re-sent into the new session.
    assert not any(SID2 in str(c.request.url) for c in basic.calls)


def test_1002_on_run_sse_never_resends_the_message(
    harness: Harness, basic: respx.MockRouter
) -> None:
    basic.post("/api/tasks/me/with-session/nemo_agent").mock(
        side_effect=[
            ok({"task_id": "task_1", "session_id": SID}),
            ok({"task_id": "task_2", "session_id": SID2}),
        ]
    )
    run = basic.post("/run_sse").mock(
        return_value=httpx.Response(404, json={"detail": "Session not found"})
    )
    client = harness.client()
    with pytest.raises(SessionExpired) as caught:
        harness.run(client, "send", "make a video")
    assert caught.value.new_session_id == SID2
    assert run.call_count == 1 and json_of(run.calls[0].request)["session_id"] == SID


@pytest.mark.parametrize("status", [200, 402])
def test_2001_anonymous_gets_registration_url_on_web_url(
    harness: Harness, basic: respx.MockRouter, status: int
) -> None:
    basic.post("/run_sse").mock(return_value=fail(2001, status, "Insufficient credits"))
    client = harness.client()
    with pytest.raises(InsufficientCredits) as caught:
        harness.run(client, "send", "generate")
    assert caught.value.registration_url == f"{WEB}/register?bind=anon_0123456789abcdef"
    assert "Register" in str(caught.value)


def test_2001_rebases_the_servers_registration_url_on_web_url(
    harness: Harness, basic: respx.MockRouter
) -> None:
    basic.post("/run_sse").mock(
        return_value=fail(
            2001, data={"registration_url": "https://nemovideo.com/register?bind=anon_fromserver"}
        )
    )
    with pytest.raises(InsufficientCredits) as caught:
        harness.run(harness.client(), "send", "generate")
    assert caught.value.registration_url == f"{WEB}/register?bind=anon_fromserver"


def test_2001_unparseable_server_url_is_kept(harness: Harness, basic: respx.MockRouter) -> None:
    basic.post("/run_sse").mock(
        return_value=fail(2001, data={"registration_url": "https://elsewhere/signup"})
    )
    with pytest.raises(InsufficientCredits) as caught:
        harness.run(harness.client(), "send", "generate")
    assert caught.value.registration_url == "https://elsewhere/signup"


def test_2001_registered_user_gets_top_up_advice(
    harness: Harness, api: respx.MockRouter, config: ClientConfig
) -> None:
    api.post("/run_sse").mock(return_value=fail(2001))
    client = harness.client(config=config.with_token(TOKEN), session_id=SID, user_id="usr_1")
    api.get(f"/api/state/nemo_agent/me/{SID}/latest").mock(return_value=ok(state_body()))
    with pytest.raises(InsufficientCredits) as caught:
        harness.run(client, "send", "generate")
    assert caught.value.registration_url is None and "Top up" in str(caught.value)


@pytest.mark.parametrize(
    ("code", "status", "kind"),
    [(4001, 200, UnsupportedFileType), (4001, 415, UnsupportedFileType), (4002, 413, FileTooLarge)],
)
def test_upload_errors_are_typed(
    harness: Harness, basic: respx.MockRouter, tmp_path: Path, code: int, status: int, kind: type
) -> None:
    media = tmp_path / "clip.xyz"
    media.write_bytes(b"x")
    basic.post(f"/api/upload-video/nemo_agent/me/{SID}").mock(
        return_value=fail(code, status, "rejected", {"max_bytes": 10})
    )
    with pytest.raises(kind):
        harness.run(harness.client(), "upload", media)


def test_402_on_render_submit_is_export_block_not_credits(
    harness: Harness, basic: respx.MockRouter
) -> None:
    route = basic.post("/api/render/proxy/lambda").mock(
        return_value=httpx.Response(
            402, json={"success": False, "error": "Free plan export blocked", "code": 402}
        )
    )
    with pytest.raises(ExportBlocked) as caught:
        harness.run(harness.client(), "submit_render", {"t": []})
    assert "not a credits problem" in str(caught.value)
    assert route.call_count == 1


def test_stream_request_with_sse_body(harness: Harness, basic: respx.MockRouter) -> None:
    route = basic.post("/run_sse").mock(
        return_value=stream_response(sse({"type": "text", "content": "hi"}))
    )
    harness.run(harness.client(), "send", "hello")
    request = route.calls[0].request
    assert request.headers["Accept"] == "text/event-stream"
    assert json_of(request) == {
        "app_name": "nemo_agent",
        "user_id": "me",
        "session_id": SID,
        "new_message": {"parts": [{"text": "hello"}]},
    }
