from __future__ import annotations

from typing import Any

import pytest

from client import Credits, ProtocolError, RenderStatus, SessionInfo, SessionState, TokenInfo
from client.models import UploadResult

from .helpers import SID, TITLE_TRACK, TOKEN, VIDEO_TRACK, state_body


def test_token_info_masks_and_requires_token() -> None:
    info = TokenInfo.from_data({"token": TOKEN, "user_id": "anon_1", "credits": 100})
    assert TOKEN not in repr(info) and "nmv_usr_…tok1" in repr(info)
    with pytest.raises(ProtocolError):
        TokenInfo.from_data({"user_id": "anon_1"})
    with pytest.raises(ProtocolError):
        TokenInfo.from_data(None)


def test_session_info_reads_data_or_top_level() -> None:
    assert SessionInfo.from_data({"session_id": 123, "task_id": "t"}) == SessionInfo("123", "t")
    # Third-party clients read session_id at top level: accepted as a fallback.
    assert SessionInfo.from_data(None, {"session_id": SID}).session_id == SID
    with pytest.raises(ProtocolError):
        SessionInfo.from_data({"task_id": "t"})


def test_credits_total_defaults_to_sum() -> None:
    assert Credits.from_data({"available": 25000, "frozen": 40, "total": 25040}).total == 25040
    assert Credits.from_data({"available": "7", "frozen": 3}).total == 10
    assert Credits.from_data(None).available == 0


def test_upload_result() -> None:
    result = UploadResult.from_data(
        {
            "files": [
                {
                    "filename": "a.mp4",
                    "file_type": "video",
                    "cdn_url": "https://c/a.mp4",
                    "duration": 30.5,
                },
                {"filename": "b.png", "url": "https://c/b.png"},
                "junk",
            ],
            "session_state_applied": True,
        }
    )
    assert [f.filename for f in result.files] == ["a.mp4", "b.png"]
    assert result.files[1].cdn_url == "https://c/b.png"
    assert result.session_state_applied is True


def test_session_state_and_summary() -> None:
    state = SessionState.from_data(
        state_body([VIDEO_TRACK, TITLE_TRACK], video_infos=[{"filename": "a.mp4"}])
    )
    assert state.session_id == SID and state.task_id == "task_1"
    assert state.draft.exportable and state.has_assets
    assert state.summary() == (
        'Timeline (2 tracks): 1. Video: city timelapse (0-10s) 2. Title: "Urban Dreams" (0-3s)\n'
        "Assets: 1"
    )


def test_session_state_tolerates_missing_pieces() -> None:
    state = SessionState.from_data({"state": {"draft": None, "video_infos": "x"}})
    assert state.raw_draft is None and not state.draft.exportable
    assert state.video_infos == [] and state.canvas_config == {}
    assert state.summary() == "Timeline (0 tracks): empty\nAssets: 0"


DATA = {"id": "render_1", "status": "completed", "progress": 100, "outputUrl": "https://o/1.mp4"}
LEGACY = {
    "taskId": "render_1",
    "status": "completed",
    "progress": 100,
    "output": {"url": "https://o/1.mp4", "duration": 30.5, "size": 15728640},
}


@pytest.mark.parametrize(
    "payload",
    [DATA, LEGACY, {**DATA, "output": {"url": "https://o/1.mp4"}, "taskId": "render_1"}],
    ids=["data", "legacy", "compat"],
)
def test_render_status_shapes(payload: dict[str, Any]) -> None:
    status = RenderStatus.from_data(payload, "fallback")
    assert (status.id, status.status, status.progress, status.output_url) == (
        "render_1",
        "completed",
        100,
        "https://o/1.mp4",
    )
    assert status.done


def test_render_status_failed_and_missing_status() -> None:
    failed = RenderStatus.from_data({"status": "FAILED", "error": "invalid draft"}, "r9")
    assert (failed.id, failed.status, failed.error, failed.output_url) == (
        "r9",
        "failed",
        "invalid draft",
        None,
    )
    assert not RenderStatus.from_data({"status": "processing"}, "r").done
    with pytest.raises(ProtocolError):
        RenderStatus.from_data({"progress": 5}, "r")
