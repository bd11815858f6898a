"""Upload, credits, state, claim link and the whole generate flow."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
import respx

from client import NemoError, NothingToExport, ProtocolError
from client.operations import FALLBACK_MIME, mime_type
from tests.contract.documented import documented

from .helpers import (
    SID,
    SID2,
    TITLE_TRACK,
    VIDEO_TRACK,
    WEB,
    Harness,
    adk_call,
    adk_text,
    json_of,
    ok,
    sse,
    state_body,
    stream_response,
)

UPLOAD = f"/api/upload-video/nemo_agent/me/{SID}"
UPLOADED = documented("§5 upload (S3/S4)")["data"]  # the documented answer


@pytest.mark.parametrize(
    ("name", "mime"),
    [
        ("a.mp4", "video/mp4"),
        ("a.MOV", "video/quicktime"),
        ("a.avi", "video/x-msvideo"),
        ("a.webm", "video/webm"),
        ("a.mkv", "video/x-matroska"),
        ("a.jpg", "image/jpeg"),
        ("a.jpeg", "image/jpeg"),
        ("a.png", "image/png"),
        ("a.gif", "image/gif"),
        ("a.webp", "image/webp"),
        ("a.mp3", "audio/mpeg"),
        ("a.wav", "audio/wav"),
        ("a.m4a", "audio/mp4"),
        ("a.aac", "audio/aac"),
        ("a.txt", FALLBACK_MIME),
        ("noext", FALLBACK_MIME),
    ],
)
def test_mime_per_extension(name: str, mime: str) -> None:
    assert mime_type(name) == mime


def test_upload_files_multipart(harness: Harness, basic: respx.MockRouter, tmp_path: Path) -> None:
    clip, image = tmp_path / "clip.mov", tmp_path / "cover.png"
    clip.write_bytes(b"MOVDATA")
    image.write_bytes(b"PNGDATA")
    route = basic.post(UPLOAD).mock(return_value=ok(UPLOADED))
    result = harness.run(harness.client(), "upload", clip, str(image))
    assert result.files[0].cdn_url.endswith("video.mp4") and result.session_state_applied
    request = route.calls[0].request
    assert request.headers["Content-Type"].startswith("multipart/form-data")
    body = request.content.decode("latin-1")
    parts = re.findall(r'name="(\w+)"; filename="([^"]+)"\r\nContent-Type: ([\w/.-]+)', body)
    assert parts == [("files", "clip.mov", "video/quicktime"), ("files", "cover.png", "image/png")]
    assert "MOVDATA" in body and "PNGDATA" in body


def test_upload_urls(harness: Harness, basic: respx.MockRouter) -> None:
    route = basic.post(UPLOAD).mock(return_value=ok(UPLOADED))
    harness.run(harness.client(), "upload_urls", ["https://example.com/a.mp4"])
    assert json_of(route.calls[0].request) == {
        "urls": ["https://example.com/a.mp4"],
        "source_type": "url",
    }


def test_upload_checks_inputs_before_sending(
    harness: Harness, basic: respx.MockRouter, tmp_path: Path
) -> None:
    with pytest.raises(NemoError, match="No such file"):
        harness.run(harness.client(), "upload", tmp_path / "missing.mp4")
    with pytest.raises(NemoError, match="Nothing to upload"):
        harness.run(harness.client(), "upload")
    with pytest.raises(NemoError, match="Nothing to upload"):
        harness.run(harness.client(), "upload_urls", [])
    assert not basic.calls


def test_state_and_credits(harness: Harness, basic: respx.MockRouter) -> None:
    basic.get(f"/api/state/nemo_agent/me/{SID}/latest").mock(
        return_value=ok(state_body([VIDEO_TRACK, TITLE_TRACK]))
    )
    basic.get("/api/credits/balance/simple").mock(
        return_value=ok({"available": 25000, "frozen": 40, "total": 25040})
    )
    client = harness.client()
    state = harness.run(client, "state")
    assert state.summary().startswith("Timeline (2 tracks): 1. Video: city timelapse (0-10s)")
    credits = harness.run(client, "credits")
    assert (credits.available, credits.frozen, credits.total) == (25000, 40, 25040)


def test_claim_link(harness: Harness, basic: respx.MockRouter) -> None:
    route = basic.post("/api/auth/claim-token").mock(
        return_value=ok({"claim_token": "clm_abc", "expires_in": 604800})
    )
    client = harness.client()
    harness.run(client, "create_session")
    assert harness.run(client, "claim_link") == f"{WEB}/workspace/claim?ct=clm_abc"
    assert json_of(route.calls[0].request) == {"task_id": "task_1", "session_id": SID}


def test_claim_link_reads_task_id_from_state(harness: Harness, basic: respx.MockRouter) -> None:
    basic.post("/api/auth/claim-token").mock(return_value=ok({"claim_token": "clm_x"}))
    client = harness.client(session_id=SID)
    harness.run(client, "claim_link")
    assert client.task_id == "task_1"
    assert json_of(basic.calls[-1].request)["task_id"] == "task_1"


def test_claim_link_without_token_is_a_protocol_error(
    harness: Harness, basic: respx.MockRouter
) -> None:
    basic.post("/api/auth/claim-token").mock(return_value=ok({}))
    with pytest.raises(ProtocolError):
        harness.run(harness.client(session_id=SID, task_id="task_1"), "claim_link")


CDN = "https://cdn.test/render-result/r.mp4"


def test_generate_runs_the_seeds_flow(
    harness: Harness, basic: respx.MockRouter, tmp_path: Path
) -> None:
    basic.post("/api/tasks/me/with-session/nemo_agent").mock(
        return_value=ok({"task_id": "task_2", "session_id": SID2})
    )
    state2 = f"/api/state/nemo_agent/me/{SID2}/latest"
    basic.get(state2).mock(side_effect=[ok(state_body()), ok(state_body([VIDEO_TRACK]))])
    basic.post("/run_sse").mock(
        return_value=stream_response(
            sse(
                adk_text("Generating"),
                None,
                adk_call("generate_video_with_seedance"),
                adk_text("Done"),
            )
        )
    )
    basic.post("/api/render/proxy/lambda").mock(
        return_value=httpx.Response(200, json={"success": True, "data": {"status": "pending"}})
    )
    basic.get(re.compile(r"/api/render/proxy/lambda/render_\w+$")).mock(
        return_value=httpx.Response(
            200, json={"success": True, "data": {"status": "completed", "outputUrl": CDN}}
        )
    )
    basic.get(CDN).mock(
        return_value=httpx.Response(200, content=b"MP4", headers={"content-type": "video/mp4"})
    )
    client = harness.client(session_id=SID)
    events: list = []
    result = harness.run(
        client, "generate", "a sunset over a lake", tmp_path / "out.mp4", on_event=events.append
    )
    assert client.session_id == SID2  # a fresh session by default
    assert result.turn.text == "Generating\nDone"
    assert result.export.bytes == 3 and (tmp_path / "out.mp4").read_bytes() == b"MP4"
    assert len(events) == 4
    paths = [c.request.url.path for c in basic.calls]
    assert paths[0] == "/api/auth/anonymous-token"
    assert paths[1].startswith("/api/tasks/")
    assert "/run_sse" in paths and paths.index("/run_sse") < paths.index("/api/render/proxy/lambda")


def test_generate_reusing_a_session_after_a_silent_turn(
    harness: Harness, basic: respx.MockRouter, tmp_path: Path
) -> None:
    basic.get(f"/api/state/nemo_agent/me/{SID}/latest").mock(
        side_effect=[ok(state_body()), ok(state_body([VIDEO_TRACK]))]
    )
    basic.post("/run_sse").mock(return_value=stream_response(sse(adk_call("edit"))))
    basic.post("/api/render/proxy/lambda").mock(
        return_value=httpx.Response(200, json={"success": True, "data": {"status": "pending"}})
    )
    basic.get(re.compile(r"/api/render/proxy/lambda/render_\w+$")).mock(
        return_value=httpx.Response(
            200, json={"taskId": "r", "status": "completed", "output": {"url": CDN}}
        )
    )
    basic.get(CDN).mock(
        return_value=httpx.Response(200, content=b"MP4", headers={"content-type": "video/mp4"})
    )
    client = harness.client(session_id=SID)
    result = harness.run(client, "generate", "go", tmp_path / "o.mp4", new_session=False)
    assert result.turn.silent and result.turn.changes == [
        "added track Video: city timelapse (0-10s)"
    ]
    assert not any(c.request.url.path.startswith("/api/tasks") for c in basic.calls)


def test_generate_without_a_timeline_says_so(
    harness: Harness, basic: respx.MockRouter, tmp_path: Path
) -> None:
    basic.post("/run_sse").mock(
        return_value=stream_response(sse(adk_text("What style do you want?")))
    )
    with pytest.raises(NothingToExport, match="What style"):
        harness.run(harness.client(), "generate", "video", tmp_path / "o.mp4")
