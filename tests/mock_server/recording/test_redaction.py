"""Redaction: every secret becomes a stable placeholder; signed URL queries go."""

from __future__ import annotations

import json

from mock_server.recording.capture import Exchange, build_cassette
from mock_server.recording.cassette import RecordedRequest, RecordedResponse, SSEChunk
from mock_server.recording.redact import Redactor, placeholder_kind, strip_signed_query

TOKEN = "nmv_usr_KGdwtlGw3hBDUpV-4_FJfEgYqFbTXQuYPKPabcdefgh"
CLIENT = "6f1c2b7e-1111-4d2a-9c3e-0123456789ab"
USER = "anon_abc123def4567890"
CLAIM = "clm_2PFaFbrGx7bmKKJnj2ycNMNui-GyMIn4"


def _exchange(seq: int, request: RecordedRequest, response: RecordedResponse) -> Exchange:
    return Exchange(seq, float(seq * 10), request, response)


def test_a_session_is_redacted_with_linked_placeholders() -> None:
    exchanges = [
        _exchange(
            0,
            RecordedRequest("POST", "/api/auth/anonymous-token", {}, {"x-client-id": CLIENT}, None),
            RecordedResponse(200, {}, body={"code": 0, "data": {"token": TOKEN, "user_id": USER}}),
        ),
        _exchange(
            1,
            RecordedRequest(
                "POST",
                "/api/auth/claim-token",
                {},
                {"authorization": f"Bearer {TOKEN}"},
                {"session_id": "123"},
            ),
            RecordedResponse(
                200,
                {},
                body={
                    "code": 0,
                    "data": {"claim_token": CLAIM, "note": f"user {USER} via {CLIENT}"},
                },
            ),
        ),
        _exchange(
            2,
            RecordedRequest(
                "POST", "/run_sse", {}, {"authorization": f"Bearer {TOKEN}"}, {"user_id": "me"}
            ),
            RecordedResponse(
                200,
                {"content-type": "text/event-stream"},
                sse=[SSEChunk(0, f'data: {{"text":"{TOKEN}"}}\n\n')],
            ),
        ),
    ]
    cassette = build_cassette(
        exchanges, {"kind": "recorded", "base_url": "https://x", "recorded_at": "t", "client": "c"}
    )
    text = cassette.dumps()
    for secret in (TOKEN, CLIENT, USER, CLAIM):
        assert secret not in text
    first, second, third = cassette.interactions
    assert first.request.headers["x-client-id"] == "<CLIENT_ID_1>"
    assert first.response.body["data"] == {"token": "<TOKEN_1>", "user_id": "<USER_1>"}
    assert second.request.headers["authorization"] == "Bearer <TOKEN_1>"
    assert second.response.body["data"]["claim_token"] == "<CLAIM_1>"
    assert second.response.body["data"]["note"] == "user <USER_1> via <CLIENT_ID_1>"
    assert third.request.body == {"user_id": "me"}  # `me` is not a secret
    assert third.response.sse is not None and "<TOKEN_1>" in third.response.sse[0].raw
    assert cassette.placeholders == {
        "<CLIENT_ID_1>": "client_id",
        "<TOKEN_1>": "token",
        "<USER_1>": "user_id",
        "<CLAIM_1>": "claim_token",
    }
    assert cassette.validate() == []


def test_a_secret_seen_late_is_removed_from_earlier_interactions_too() -> None:
    exchanges = [
        _exchange(
            0,
            RecordedRequest("GET", "/a", {}, {}, None),
            RecordedResponse(200, {}, body={"echo": "x-custom-secret-value"}),
        ),
        _exchange(
            1,
            RecordedRequest("GET", "/b", {}, {"x-api-key": "x-custom-secret-value"}, None),
            RecordedResponse(200, {}, body=None),
        ),
    ]
    cassette = build_cassette(
        exchanges, {"kind": "synthesized", "how": "test", "synthesized_at": "t"}
    )
    assert "x-custom-secret-value" not in cassette.dumps()
    assert cassette.interactions[0].response.body == {"echo": "<SECRET_1>"}


def test_other_credentials_and_short_client_ids() -> None:
    r = Redactor()
    r.scan_headers({"Authorization": "Basic dXNlcjpwYXNz", "Cookie": "sid=abc", "X-Client-Id": "a"})
    headers = r.headers(
        {"Authorization": "Basic dXNlcjpwYXNz", "Cookie": "sid=abc", "X-Client-Id": "a"}
    )
    assert headers == {
        "authorization": "Basic <SECRET_1>",
        "cookie": "<SECRET_2>",
        "x-client-id": "<CLIENT_ID_1>",
    }
    assert r.text("a cat") == "a cat"  # a 1-char client id is not replaced inside prose


def test_signed_and_static_urls_lose_their_query() -> None:
    signed = "https://bucket.s3.amazonaws.com/out.mp4?X-Amz-Algorithm=AWS4&X-Amz-Signature=deadbeef&X-Amz-Expires=300"
    assert strip_signed_query(signed) == "https://bucket.s3.amazonaws.com/out.mp4"
    assert (
        strip_signed_query("https://static1.nemovideo.ai/render-result/r.mp4?v=2")
        == "https://static1.nemovideo.ai/render-result/r.mp4"
    )
    assert (
        strip_signed_query("https://api.example.com/file?id=7&Signature=x&Expires=1")
        == "https://api.example.com/file?id=7"
    )
    assert (
        strip_signed_query("https://nemovideo.com/register?bind=x")
        == "https://nemovideo.com/register?bind=x"
    )
    r = Redactor(base_url="http://127.0.0.1:9")
    body = r.json(
        {
            "url": f"https://nemovideo.com/register?bind={USER}",
            "cdn": "http://127.0.0.1:9/media/med_1/a.mp4?token=abc",
        }
    )
    assert body == {
        "url": "https://nemovideo.com/register?bind=<USER_1>",
        "cdn": "<BASE_URL_1>/media/med_1/a.mp4",
    }
    assert r.query({"X-Amz-Signature": "s", "page": "2"}, "/api/x") == {"page": "2"}
    assert r.query({"v": "1"}, "/media/med_1/a.mp4") == {}
    assert r.query({"token": "nmv_usr_querytoken1", "session_id": "1"}, "/ws/chat") == {
        "token": "<TOKEN_1>",
        "session_id": "1",
    }


def test_json_escaped_urls_in_sse_text() -> None:
    r = Redactor()
    raw = 'data: {"url":"https://cdn.example.com/a.mp4?X-Amz-Signature=abc\\u0026X-Amz-Date=1"}\n\n'
    assert r.text(raw) == 'data: {"url":"https://cdn.example.com/a.mp4"}\n\n'


def test_placeholder_kinds_and_numbering_are_stable() -> None:
    r = Redactor()
    assert r.register("tok-a", "token") == "<TOKEN_1>"
    assert r.register("tok-b", "token") == "<TOKEN_2>"
    assert r.register("tok-a", "token") == "<TOKEN_1>"
    assert r.register("<TOKEN_9>", "token") == "<TOKEN_9>"  # already a placeholder
    assert placeholder_kind("<TOKEN_2>") == "token"
    assert placeholder_kind("<CLIENT_ID_1>") == "client_id"
    assert placeholder_kind("<SESSION_3>") == "session"
    assert placeholder_kind("plain") is None
    assert json.loads(json.dumps(r.placeholders)) == {"<TOKEN_1>": "token", "<TOKEN_2>": "token"}
