"""The payloads documented in ../shared/nemovideo-api.md, as (name, openapi.yaml schema,
payload): checked against the contract by test_documented_payloads.py and used as the
server's answers by client tests (one copy of each documented example)."""

from __future__ import annotations

from typing import Any

# From ../shared/nemovideo-api.md. Placeholders that contradict a documented pattern are
# replaced and say so; `…` / `{...}` elisions are filled in.
SID = "5529798706024415232"  # §2's example session id

# §7's finished render in the data form, and its output in the compat form
_DONE = {
    "id": "render_xxx",
    "status": "completed",
    "progress": 100,
    "outputUrl": "https://static1.nemovideo.ai/render-result/render_xxx.mp4",
    "createdAt": 1773423613616,
    "completedAt": 1773423641222,
}
_OUTPUT = {
    "url": "https://static1.nemovideo.ai/render-result/render_xxx.mp4",
    "duration": 30.5,
    "size": 15728640,
}

DOCUMENTED: list[tuple[str, str, Any]] = [
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
    ("§7 poll (a) data form, v4.4 (S3)", "RenderPollData", {"success": True, "data": _DONE}),
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
        {  # the data form with `output` added, and the legacy form's fields beside it
            "success": True,
            "data": {**_DONE, "output": _OUTPUT},
            "taskId": "render_xxx",
            "status": "completed",
            "progress": 100,
            "output": _OUTPUT,
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


def documented(name: str) -> Any:
    """The payload of the DOCUMENTED entry called `name`."""
    return next(payload for label, _, payload in DOCUMENTED if label == name)
