"""The payloads documented in ../shared/nemovideo-api.md validate against openapi.yaml
(elided `…` parts filled in), and the schemas reject what the documentation rules out."""

from __future__ import annotations

from typing import Any

import pytest

from tests.contract.schemas import assert_invalid, assert_valid, openapi_schema

# --------------------------------------------------------------------------- the documented payloads

# From ../shared/nemovideo-api.md. Placeholders that contradict a documented pattern are
# replaced and say so; `…` / `{...}` elisions are filled in.
SID = "5529798706024415232"  # §2's example session id

DOCUMENTED = [
    (
        "§1 anonymous-token (S3/S4)",
        "AnonymousTokenResponse",
        {
            "code": 0,
            "data": {
                "token": "nmv_usr_xxxxxx",
                "user_id": "anon_abc123",
                "expires_at": "2026-03-18T00:00:00Z",
                "credits": 100,
            },
        },
    ),
    (
        "§2 create session (S3/S4)",
        "CreateSessionResponse",
        {"code": 0, "data": {"task_id": "task_xxx", "session_id": SID, "user_id": "anon_abc123"}},
    ),
    (
        "§3 claim token",
        "ClaimTokenResponse",
        {"code": 0, "data": {"claim_token": "clm_xxx", "expires_in": 604800}},
    ),
    (
        "§5 upload (S3/S4)",
        "UploadResponse",
        {
            "code": 0,
            "data": {
                "files": [
                    {
                        "filename": "video.mp4",
                        "file_type": "video",
                        "cdn_url": "https://cdn.example.com/videos/xxx/video.mp4",
                        "duration": 30.5,
                        "width": 1920,
                        "height": 1080,
                        "fps": 30,
                        "hash": "abc123",
                    }
                ],
                "session_state_applied": True,
            },
        },
    ),
    (
        "§6 credits",
        "CreditsResponse",
        {"code": 0, "data": {"available": 25000, "frozen": 40, "total": 25040}},
    ),
    (
        "§6 state (S4; `session_xxx` -> digits, elisions filled)",
        "SessionStateResponse",
        {
            "code": 0,
            "data": {
                "session_id": SID,
                "task_id": "task_yyy",
                "task_name": "My Video Project",
                "state": {
                    "video_infos": [],
                    "draft": {
                        "t": [
                            {"tt": 0, "sg": [{"s": 0, "d": 10000, "src": "/mnt/userdata/x/a.mp4"}]}
                        ],
                        "d": 10000,
                        "m": {"title": "...", "width": 1920, "height": 1080},
                    },
                    "canvas_config": {"width": 1920, "height": 1080, "aspect_ratio": "16:9"},
                    "video_analyses": {},
                    "generated_media": [],
                },
            },
        },
    ),
    (
        "§7 render submit response (S3)",
        "RenderAcceptedResponse",
        {"success": True, "data": {"id": "render_xxx", "status": "pending", "progress": 5}},
    ),
    (
        "§7 poll (a) data form, v4.4 (S3)",
        "RenderPollData",
        {
            "success": True,
            "data": {
                "id": "render_xxx",
                "status": "completed",
                "progress": 100,
                "outputUrl": "https://static1.nemovideo.ai/render-result/render_xxx.mp4",
                "createdAt": 1773423613616,
                "completedAt": 1773423641222,
            },
        },
    ),
    (
        "§7 poll (b) legacy form, v1.9 (S4/S1; `…` in the url filled)",
        "RenderPollLegacy",
        {
            "taskId": "render_xxx",
            "status": "completed",
            "progress": 100,
            "output": {
                "url": "https://static1.nemovideo.ai/render-result/output.mp4",
                "duration": 30.5,
                "size": 15728640,
            },
        },
    ),
    (
        "§7 poll (c) compat form (ARCHITECTURE.md)",
        "RenderPollCompat",
        {
            "success": True,
            "data": {
                "id": "render_xxx",
                "status": "completed",
                "progress": 100,
                "outputUrl": "https://static1.nemovideo.ai/render-result/render_xxx.mp4",
                "createdAt": 1773423613616,
                "completedAt": 1773423641222,
                "output": {
                    "url": "https://static1.nemovideo.ai/render-result/render_xxx.mp4",
                    "duration": 30.5,
                    "size": 15728640,
                },
            },
            "taskId": "render_xxx",
            "status": "completed",
            "progress": 100,
            "output": {
                "url": "https://static1.nemovideo.ai/render-result/render_xxx.mp4",
                "duration": 30.5,
                "size": 15728640,
            },
        },
    ),
    (
        "§7 poll failure (S6 test mock, in the data form)",
        "RenderPollData",
        {
            "success": True,
            "data": {
                "id": "render_xxx",
                "status": "failed",
                "progress": 30,
                "createdAt": 1773423613616,
                "error": "invalid draft",
            },
        },
    ),
    (
        "§10 registration URL in a 2001",
        "InsufficientCreditsError",
        {
            "code": 2001,
            "message": "Insufficient credits",
            "data": {
                "registration_url": "https://nemovideo.com/register?bind=anon_abc123def4567890"
            },
        },
    ),
    # request bodies
    (
        "§2 create session body",
        "CreateSessionRequest",
        {"task_name": "project", "language": "zh-CN"},
    ),
    ("§2 create session body, no language (S8)", "CreateSessionRequest", {"task_name": "project"}),
    (
        "§3 claim-token body",
        "ClaimTokenRequest",
        {"task_id": "task_xxx", "session_id": SID},
    ),
    (
        "§4 run_sse body (S1)",
        "RunAgentRequest",
        {
            "app_name": "nemo_agent",
            "user_id": "me",
            "session_id": SID,
            "new_message": {"parts": [{"text": "make a video"}]},
        },
    ),
    (
        "§8 run_sse body, camelCase (ADK)",
        "RunAgentRequest",
        {
            "appName": "nemo_agent",
            "userId": "me",
            "sessionId": SID,
            "newMessage": {"role": "user", "parts": [{"text": "hi"}]},
            "streaming": True,
            "stateDelta": {"k": 1},
            "invocationId": None,
        },
    ),
    (
        "§5 URL upload body",
        "UploadUrlsRequest",
        {"urls": ["https://example.com/a.mp4"], "source_type": "url"},
    ),
    (
        "§7 render submit body (S1)",
        "RenderSubmitRequest",
        {
            "id": "render_1773423613616",
            "sessionId": SID,
            "draft": {"t": [{"tt": 0, "sg": [{"s": 0, "d": 10000}]}], "d": 10000},
            "output": {"format": "mp4", "quality": "high"},
        },
    ),
    (
        "§7 render submit body (S6 CLI)",
        "RenderSubmitRequest",
        {
            "id": "draft-cli-1773423613616",
            "sessionId": SID,
            "draft": {"t": [{"tt": 0, "sg": [{"s": 0, "d": 1000}]}]},
            "output": {"format": "mp4", "codec": "h264", "crf": 23},
        },
    ),
]


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
        (
            "RenderPollData",
            {
                "success": True,
                "status": "completed",
                "data": {"id": "r", "status": "completed", "progress": 100, "createdAt": 1},
            },
        ),
        # the state machine
        (
            "RenderPollData",
            {
                "success": True,
                "data": {"id": "r", "status": "completed", "progress": 100, "createdAt": 1},
            },
        ),
        (
            "RenderPollData",
            {
                "success": True,
                "data": {"id": "r", "status": "processing", "progress": 100, "createdAt": 1},
            },
        ),
        (
            "RenderPollData",
            {
                "success": True,
                "data": {"id": "r", "status": "failed", "progress": 10, "createdAt": 1},
            },
        ),
        (
            "RenderPollData",
            {
                "success": True,
                "data": {
                    "id": "r",
                    "status": "pending",
                    "progress": 5,
                    "createdAt": 1,
                    "error": "x",
                },
            },
        ),
        ("RenderPollLegacy", {"taskId": "r", "status": "completed", "progress": 100}),
        (
            "RenderAcceptedResponse",
            {"success": True, "data": {"id": "r", "status": "completed", "progress": 100}},
        ),
        ("ProxyError", {"success": False, "error": "x", "code": 0}),
        # per-file-type nulls
        (
            "UploadedFile",
            {
                "filename": "a.mp3",
                "file_type": "audio",
                "cdn_url": "http://h/a.mp3",
                "duration": 3,
                "width": 10,
                "height": 10,
                "fps": None,
                "hash": "ab",
            },
        ),
        (
            "UploadedFile",
            {
                "filename": "a.mp4",
                "file_type": "video",
                "cdn_url": "http://h/a.mp4",
                "duration": 3,
                "width": 10,
                "height": 10,
                "fps": 30,
                "hash": "ab",
                "id": "med_1",
            },
        ),
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
