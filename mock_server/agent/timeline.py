"""What the planner and the edit turn share: the tools' names, the pacing of a turn, and
the draft pieces both lay down (a title's arguments, uploads as video segments)."""

from __future__ import annotations

from functools import partial
from typing import Any

from mock_server import draft as drafts
from mock_server.agent.script import DraftEdit

TOOL_VIDEO = "generate_video_with_seedance"
TOOL_MUSIC = "generate_music"
TOOL_EDIT = "edit_multitrack"
TOOL_ASK = "ask_question"
TEMPORARY_ISSUE = "I encountered a temporary issue"

# Pacing inside a turn (API seconds): the model's first response, the pause between a
# tool result and the model's next step, between a text and the call it announces.
LEAD_SECONDS = (1.0, 3.0)
GAP = 1.0
CALL_GAP = 0.5
CLIP_FPS = 24
DEFAULT_SECONDS = 10.0
CLIP_SECONDS = (2.0, 60.0)
FADE_MS = 1000
TRANSITION_MS = 800
CUE_MS = 3000  # one subtitle cue
OVERLAY_MS = 3000


def title_args(title: str, length_ms: int, start_ms: int = 0) -> dict[str, Any]:
    return {
        "action": "add_title",
        "text": title,
        "start_ms": start_ms,
        "duration_ms": length_ms,
        "position": "center",
    }


def upload_segments(video_infos: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Uploaded visuals as video-track segments (images hold 3 s), in upload order."""
    segments = []
    for i, info in enumerate(video_infos):
        if info.get("source") == "generated" or info.get("file_type") not in ("video", "image"):
            continue
        url = info.get("cdn_url")
        if not url:
            continue
        seconds = float(info.get("duration") or 0) if info.get("file_type") == "video" else 3.0
        if seconds <= 0:
            seconds = 3.0
        segments.append(
            drafts.video_segment(
                f"seg_upload_{i + 1}",
                url,
                str(info.get("filename") or "clip"),
                round(seconds * 1000),
            )
        )
    return segments


def with_uploads(uploads: list[dict[str, Any]] | None, then: DraftEdit) -> DraftEdit:
    """`then`, after laying the uploads on the video track if the draft has no picture yet."""
    if not uploads:
        return then
    return partial(_lay_uploads, uploads=uploads, then=then)


def _lay_uploads(
    draft: dict[str, Any], *, uploads: list[dict[str, Any]], then: DraftEdit
) -> dict[str, Any]:
    if not drafts.has_video(draft):
        title = (draft.get("m") or {}).get("title") or str(uploads[0].get("n") or "My Video")
        draft = drafts.with_video(draft, uploads, title=title)
    return then(draft)
