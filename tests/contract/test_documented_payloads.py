"""The payloads documented in ../shared/nemovideo-api.md validate against openapi.yaml
(elided `…` parts filled in), and the schemas reject what the documentation rules out."""

from __future__ import annotations

from typing import Any

import pytest

from tests.contract.documented import DOCUMENTED
from tests.contract.schemas import assert_invalid, assert_valid, openapi_schema


@pytest.mark.parametrize(("name", "schema", "payload"), DOCUMENTED, ids=[d[0] for d in DOCUMENTED])
def test_documented_payload_validates(name: str, schema: str, payload: Any) -> None:
    assert_valid(openapi_schema(schema), payload)


def test_the_three_poll_shapes_are_told_apart() -> None:
    poll = openapi_schema("RenderPollResponse")
    shapes = {d[1]: d[2] for d in DOCUMENTED if d[0].startswith("§7 poll (")}
    assert set(shapes) == {"RenderPollData", "RenderPollLegacy", "RenderPollCompat"}
    for name, payload in shapes.items():
        assert_valid(poll, payload)
        others = set(shapes) - {name}
        assert all(not openapi_schema(o).is_valid(payload) for o in others), name


_DRAFT = {"t": [{"tt": 0, "sg": [{"s": 0, "d": 1000}]}]}


def _poll(status: str, progress: int, **extra: Any) -> dict[str, Any]:
    """A render poll in the data form; `extra` adds to `data`."""
    data = {"id": "r", "status": status, "progress": progress, "createdAt": 1, **extra}
    return {"success": True, "data": data}


def _uploaded(name: str, kind: str, **extra: Any) -> dict[str, Any]:
    """One UploadedFile; `extra` adds to or replaces its fields."""
    base = {"filename": name, "file_type": kind, "cdn_url": f"http://h/{name}", "duration": 3}
    return {**base, "width": 10, "height": 10, "hash": "ab", **extra}


@pytest.mark.parametrize(
    ("schema", "payload"),
    [
        # success and error envelopes do not overlap
        ("ErrorEnvelope", {"code": 0, "message": "success", "data": None}),
        ("CreditsResponse", {"code": 1001, "message": "x", "data": None}),
        # drift: an unknown key in a fully known object
        ("CreditsResponse", {"code": 0, "data": {"available": 1, "frozen": 0, "total": 1, "x": 1}}),
        # documented details must be there
        ("ErrorEnvelope", {"code": 4001, "message": "Unsupported file type", "data": None}),
        ("ErrorEnvelope", {"code": 4002, "message": "File too large", "data": {}}),
        ("ErrorEnvelope", {"code": 1001, "message": "", "data": None}),
        # session ids are digits; token expiry is a date-time or null
        ("CreatedSession", {"task_id": "task_1", "session_id": "session_xxx", "user_id": "anon_1"}),
        (
            "AnonymousToken",
            {"token": "nmv_usr_x", "user_id": "anon_1", "expires_at": "soon", "credits": 1},
        ),
        # status inside `data`, not top-level (S3)
        ("RenderPollData", {**_poll("completed", 100), "status": "completed"}),
        # the state machine
        ("RenderPollData", _poll("completed", 100)),
        ("RenderPollData", _poll("processing", 100)),
        ("RenderPollData", _poll("failed", 10)),
        ("RenderPollData", _poll("pending", 5, error="x")),
        ("RenderPollLegacy", {"taskId": "r", "status": "completed", "progress": 100}),
        (
            "RenderAcceptedResponse",
            {"success": True, "data": {"id": "r", "status": "completed", "progress": 100}},
        ),
        ("ProxyError", {"success": False, "error": "x", "code": 0}),
        # per-file-type nulls
        ("UploadedFile", _uploaded("a.mp3", "audio", fps=None)),
        ("UploadedFile", _uploaded("a.mp4", "video", fps=30, id="med_1")),
        (
            "GeneratedMedia",
            {
                "id": "med_1",
                "type": "video",
                "tool": "t",
                "prompt": "p",
                "cdn_url": "http://h/a",
                "duration": 1,
                "created_at": "2026-01-01T00:00:00Z",
            },
        ),
        # ADK request: camelCase or snake_case, but the four fields are needed
        ("RunAgentRequest", {"app_name": "nemo_agent", "user_id": "me", "session_id": "1"}),
        (
            "RunAgentRequest",
            {
                "app_name": "other",
                "user_id": "me",
                "session_id": "1",
                "new_message": {"parts": [{"text": "x"}]},
            },
        ),
        ("MessageContent", {"parts": [{"text": "x", "bogus": 1}]}),
        ("RenderSubmitRequest", {"id": "has space", "sessionId": "1", "draft": _DRAFT}),
        # not exportable: no track with segments (DOC S4)
        ("RenderSubmitRequest", {"id": "r", "sessionId": "1", "draft": {}}),
        (
            "RenderSubmitRequest",
            {"id": "r", "sessionId": "1", "draft": {"t": [{"tt": 0, "sg": []}]}},
        ),
        (
            "RenderSubmitRequest",
            {"id": "r", "sessionId": "1", "draft": _DRAFT, "output": {"format": "avi"}},
        ),
        ("Segment", {"s": -1}),
        ("FakeConfigPatch", {"colour": "blue"}),
        ("FakeConfigPatch", {"render_seconds": [1, 2, 3]}),
    ],
)
def test_schema_rejects(schema: str, payload: Any) -> None:
    assert_invalid(openapi_schema(schema), payload)
