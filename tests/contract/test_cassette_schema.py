"""cassette.schema.json: recorded, redacted and synthesized cassettes validate; broken ones
are rejected."""

from __future__ import annotations

import json
from typing import Any

import pytest

from nemo_protocol import sse
from tests.contract.documented import SID
from tests.contract.schemas import assert_invalid, assert_valid, cassette_schema, event_schema
from tests.contract.test_events_schema import ADK_DOC_STREAM

# --------------------------------------------------------------------------- cassette.schema.json


def _cassette() -> dict[str, Any]:
    event = json.loads(ADK_DOC_STREAM[2])
    return {
        "version": 1,
        "description": "anonymous token, session, one turn, upload, download",
        "provenance": {
            "kind": "recorded",
            "base_url": "https://mega-api-prod.nemovideo.ai",
            "recorded_at": "2026-03-14T10:00:00Z",
            "client": "nemo 0.1.0",
        },
        "placeholders": {
            "<TOKEN_1>": "token",
            "<CLIENT_ID_1>": "client_id",
            "<USER_ID_1>": "user_id",
        },
        "interactions": [
            {
                "started_at_offset_ms": 0,
                "request": {
                    "method": "POST",
                    "path": "/api/auth/anonymous-token",
                    "query": {},
                    "headers": {"x-client-id": "<CLIENT_ID_1>", "x-skill-source": "nemo-video"},
                    "body": None,
                },
                "response": {
                    "status": 200,
                    "headers": {"content-type": "application/json"},
                    "body": {
                        "code": 0,
                        "data": {
                            "token": "<TOKEN_1>",
                            "user_id": "<USER_ID_1>",
                            "expires_at": "2026-03-21T10:00:00Z",
                            "credits": 100,
                        },
                    },
                },
            },
            {
                "started_at_offset_ms": 812.5,
                "request": {
                    "method": "POST",
                    "path": "/run_sse",
                    "query": {},
                    "headers": {"authorization": "Bearer <TOKEN_1>", "accept": "text/event-stream"},
                    "body": {
                        "app_name": "nemo_agent",
                        "user_id": "me",
                        "session_id": SID,
                        "new_message": {"parts": [{"text": "hi"}]},
                    },
                },
                "response": {
                    "status": 200,
                    "headers": {"content-type": "text/event-stream; charset=utf-8"},
                    "sse": [
                        {"offset_ms": 15000, "raw": "data: \n\n"},
                        {"offset_ms": 15210.25, "raw": f"data: {json.dumps(event)}\n\n"},
                    ],
                },
            },
            {
                "started_at_offset_ms": 30000,
                "request": {
                    "method": "POST",
                    "path": f"/api/upload-video/nemo_agent/me/{SID}",
                    "query": {},
                    "headers": {"authorization": "Bearer <TOKEN_1>"},
                    "body": {
                        "multipart": [
                            {
                                "name": "files",
                                "filename": "a.mp4",
                                "size": 1024,
                                "sha256": "0" * 64,
                                "content_type": "video/mp4",
                            }
                        ]
                    },
                },
                "response": {"status": 200, "headers": {}, "body": {"code": 0, "data": {}}},
            },
            {
                "started_at_offset_ms": 95000,
                "request": {
                    "method": "GET",
                    "path": "/api/render/proxy/render_1/download",
                    "query": {"x": ["1", "2"]},
                    "headers": {"authorization": "Bearer <TOKEN_1>", "range": "bytes=0-"},
                    "body": None,
                },
                "response": {
                    "status": 206,
                    "headers": {"content-range": "bytes 0-1023/1024"},
                    "binary": {"size": 1024, "sha256": "a" * 64, "content_type": "video/mp4"},
                },
            },
        ],
    }


def test_a_recorded_cassette_validates() -> None:
    cassette = _cassette()
    assert_valid(cassette_schema(), cassette)
    (payload,) = sse.payloads(cassette["interactions"][1]["response"]["sse"][1]["raw"])
    assert_valid(event_schema("AdkStreamPayload"), json.loads(payload))


def test_redacted_authorization_forms_validate() -> None:
    """What mock_server/recording/redact.py writes: Bearer placeholder, whole-value secret, empty."""
    for value in ("Bearer <TOKEN_1>", "<SECRET_1>", ""):
        cassette = _cassette()
        cassette["interactions"][0]["request"]["headers"]["authorization"] = value
        assert_valid(cassette_schema(), cassette)


def test_a_synthesized_cassette_validates() -> None:
    cassette = _cassette()
    cassette["provenance"] = {
        "kind": "synthesized",
        "how": "nemo-fake 0.1.0, seed 7, events=adk",
        "synthesized_at": "2026-01-01T00:00:00Z",
    }
    assert_valid(cassette_schema(), cassette)


def _broken(change: str) -> dict[str, Any]:
    cassette = _cassette()
    first = cassette["interactions"][0]
    if change == "raw token in authorization":
        first["request"]["headers"]["authorization"] = "Bearer nmv_usr_KGdwtlGw3hBDUpV"
    elif change == "basic credentials in authorization":
        first["request"]["headers"]["authorization"] = "Basic dXNlcjpwYXNz"
    elif change == "raw token in another header":
        first["request"]["headers"]["x-token"] = "nmv_usr_KGdwtlGw3hBDUpV"
    elif change == "body and sse":
        first["response"]["sse"] = []
    elif change == "no response payload":
        del first["response"]["body"]
    elif change == "version 2":
        cassette["version"] = 2
    elif change == "unknown provenance":
        cassette["provenance"] = {"kind": "imagined"}
    elif change == "bad placeholder name":
        cassette["placeholders"]["TOKEN_1"] = "token"
    elif change == "uppercase header":
        first["request"]["headers"]["X-Client-Id"] = "<CLIENT_ID_1>"
    elif change == "short sha256":
        cassette["interactions"][3]["response"]["binary"]["sha256"] = "abc"
    return cassette


@pytest.mark.parametrize(
    "change",
    [
        "raw token in authorization",
        "basic credentials in authorization",
        "raw token in another header",
        "body and sse",
        "no response payload",
        "version 2",
        "unknown provenance",
        "bad placeholder name",
        "uppercase header",
        "short sha256",
    ],
)
def test_cassette_schema_rejects(change: str) -> None:
    assert_invalid(cassette_schema(), _broken(change))
