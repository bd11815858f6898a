from __future__ import annotations

import json
from typing import Any

import pytest

from client import errors as e
from client.envelope import Reply, error_for, interpret


def reply(status: int, body: Any = None, raw: bytes | None = None) -> Reply:
    content = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
    return Reply(status, {"content-type": "application/json"}, content)


# --- success forms --------------------------------------------------------------------


def test_rest_envelope_returns_data() -> None:
    assert interpret(reply(200, {"code": 0, "message": "success", "data": {"a": 1}})) == {"a": 1}
    assert interpret(reply(200, {"code": "0", "data": [1]})) == [1]


def test_render_proxy_envelope_returns_data() -> None:
    assert interpret(reply(200, {"success": True, "data": {"id": "r"}}), "render") == {"id": "r"}


def test_success_without_data_returns_whole_body() -> None:
    body = {"success": True, "status": "completed"}
    assert interpret(reply(200, body), "render") == body


def test_legacy_bare_object_is_returned_as_is() -> None:
    body = {"taskId": "render_1", "status": "processing", "progress": 40}
    assert interpret(reply(200, body), "render") == body


def test_empty_and_non_object_bodies() -> None:
    assert interpret(reply(204)) is None
    assert interpret(reply(200, [1, 2])) == [1, 2]


def test_non_json_success_is_a_protocol_error() -> None:
    with pytest.raises(e.ProtocolError, match="Expected JSON"):
        interpret(reply(200, raw=b"<html>oops</html>"))


# --- errors, however they arrive ---------------------------------------------------------

# (the mapped dialect's HTTP status, the envelope's code and message, the error raised)
CODED: list[tuple[int, int, str, type[e.NemoError]]] = [
    (401, 1001, "Token expired", e.TokenInvalid),
    (404, 1002, "Session not found", e.SessionNotFound),
    (402, 2001, "Insufficient credits", e.InsufficientCredits),
    (415, 4001, "Unsupported", e.UnsupportedFileType),
    (413, 4002, "Too large", e.FileTooLarge),
]
ERROR_CASES: list[tuple[int, Any, type[e.NemoError], int | None]] = [
    # ok200 dialect: HTTP 200 + non-zero code; mapped dialect: the same envelopes on 4xx
    *((200, {"code": code, "message": text}, kind, code) for _, code, text, kind in CODED),
    (200, {"code": 9999, "message": "Weird"}, e.ApiError, 9999),
    *((mapped, {"code": code, "message": text}, kind, code) for mapped, code, text, kind in CODED),
    # HTTP-only errors
    (400, {"code": 400, "message": "Missing X-Client-Id"}, e.BadRequest, 400),
    (402, {"code": 402, "message": "Free plan export blocked"}, e.ExportBlocked, 402),
    (402, None, e.ExportBlocked, 402),
    (429, {"code": 429, "message": "Too many"}, e.RateLimited, 429),
    (503, {"code": 503, "message": "down"}, e.ServerError, 503),
    (500, None, e.ServerError, 500),
    (502, {"code": "bad-gateway"}, e.ServerError, 502),
    (422, {"detail": [{"loc": ["body"], "msg": "field required"}]}, e.BadRequest, 422),
    (401, None, e.TokenInvalid, 401),
    (415, None, e.UnsupportedFileType, 415),
    (413, None, e.FileTooLarge, 413),
    # FastAPI/ADK detail
    (404, {"detail": "Session not found: 123"}, e.SessionNotFound, 404),
    (404, {"detail": "Not Found"}, e.NotFound, 404),
    (409, {"code": 409, "message": "A turn is already running"}, e.TurnInProgress, 409),
    (409, {"code": 409, "message": "Render id already exists"}, e.DuplicateRenderId, 409),
    (409, {"code": 409, "message": "Conflict"}, e.Conflict, 409),
    (
        409,
        {"code": 409, "message": "A turn is already running; re-sending creates duplicates"},
        e.TurnInProgress,
        409,
    ),
    (418, {"code": 418, "message": "teapot"}, e.ApiError, 418),
]


@pytest.mark.parametrize(("status", "body", "kind", "code"), ERROR_CASES)
def test_api_errors(status: int, body: Any, kind: type[e.NemoError], code: int | None) -> None:
    with pytest.raises(kind) as caught:
        interpret(reply(status, body))
    assert type(caught.value) is kind
    assert caught.value.code == code
    assert caught.value.status == status


RENDER_CASES: list[tuple[int, Any, type[e.NemoError]]] = [
    (
        409,
        {"success": False, "error": "Render id already exists", "code": 409},
        e.DuplicateRenderId,
    ),
    (200, {"success": False, "error": "duplicate id render_1"}, e.DuplicateRenderId),
    (409, {"success": False, "error": "conflict", "code": 409}, e.DuplicateRenderId),
    (404, {"success": False, "error": "Render job not found", "code": 404}, e.RenderNotFound),
    (402, {"success": False, "error": "Free plan export blocked", "code": 402}, e.ExportBlocked),
    (200, {"success": False, "error": "invalid draft"}, e.RenderError),
    (401, {"success": False, "error": "bad token", "code": 1001}, e.TokenInvalid),
    (500, {"success": False, "error": "lambda crashed", "code": 500}, e.ServerError),
]


@pytest.mark.parametrize(("status", "body", "kind"), RENDER_CASES)
def test_render_proxy_errors(status: int, body: Any, kind: type[e.NemoError]) -> None:
    with pytest.raises(kind) as caught:
        interpret(reply(status, body), "render")
    assert type(caught.value) is kind
    assert body["error"] in caught.value.message


def test_message_falls_back_to_the_http_reason() -> None:
    with pytest.raises(e.ServerError, match="HTTP 503 Service Unavailable"):
        interpret(reply(503, raw=b"upstream down"))
    with pytest.raises(e.ApiError, match="HTTP 599"):
        interpret(reply(599, raw=b""))
    assert str(error_for(None, None, None)) == "NemoVideo request failed"


def test_details_are_read() -> None:
    formats = {"video": ["mp4"]}
    with pytest.raises(e.UnsupportedFileType) as unsupported:
        interpret(
            reply(200, {"code": 4001, "message": "no", "data": {"accepted_formats": formats}})
        )
    assert unsupported.value.accepted_formats == formats
    assert "video: mp4" in str(unsupported.value)
    with pytest.raises(e.UnsupportedFileType) as fake_key:
        interpret(reply(200, {"code": 4001, "data": {"accepted": formats}}))
    assert fake_key.value.accepted_formats == formats
    with pytest.raises(e.UnsupportedFileType) as documented:
        interpret(reply(200, {"code": 4001}))
    assert "mp4, mov, avi, webm, mkv" in str(documented.value)
    with pytest.raises(e.FileTooLarge) as large:
        interpret(reply(200, {"code": 4002, "message": "big", "data": {"max_bytes": "1024"}}))
    assert large.value.max_bytes == 1024 and "limit 1024 bytes" in str(large.value)
    with pytest.raises(e.FileTooLarge) as no_limit:
        interpret(reply(200, {"code": 4002}))
    assert "limit" not in str(no_limit.value) and "Compress" in str(no_limit.value)
    url = "https://nemovideo.com/register?bind=anon_1"
    with pytest.raises(e.InsufficientCredits) as credits:
        interpret(reply(200, {"code": 2001, "data": {"registration_url": url}}))
    assert credits.value.registration_url == url


def test_export_block_says_it_is_not_credits() -> None:
    text = str(error_for(402, {"code": 402, "message": "Free plan export blocked"}, 402, "render"))
    assert "not a credits problem" in text and "attribution" in text


@pytest.mark.parametrize("code", [None, True, "n/a"])
def test_a_code_that_is_not_a_number_is_not_an_error(code: Any) -> None:
    assert interpret(reply(200, {"code": code, "data": 1})) == 1


def test_messages_are_scrubbed_of_tokens() -> None:
    token = "nmv_usr_SECRETSECRETSECRETSECRET9876"
    with pytest.raises(e.TokenInvalid) as caught:
        interpret(reply(200, {"code": 1001, "message": f"token {token} expired"}))
    assert token not in str(caught.value) and "nmv_usr_…9876" in str(caught.value)
