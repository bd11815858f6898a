"""Through the HTTP API: what the agent generates exports to a real MP4 whose frames,
title and audio are what the draft says; an uploaded clip's frames appear in the output."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import httpx
import numpy as np
import pytest

from fixtures.media.make_samples import write_video
from mock_server.app import build_app
from mock_server.config import FakeConfig
from mock_server.fake import Fake
from mock_server.testing import StreamingTransport
from mock_server.testing.conformance import ContractChecker
from tests.conftest import ATTRIBUTION

FPS = 30  # the render's frame rate


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[Fake, httpx.Client, dict[str, str], str]]:
    # scaled clock: a 300 s generation streams in 0.15 s; renders then wait on the encoder
    fake = Fake(
        FakeConfig(time_scale=0.0005, seed=5, data_dir=str(tmp_path / "d"), media_max_side=320)
    )
    checker = ContractChecker()
    fake.observers.append(checker.observe)
    token, _ = fake.mint_account(kind="registered", credits=1000)
    auth = {"Authorization": f"Bearer {token.value}", **ATTRIBUTION}
    with httpx.Client(
        transport=StreamingTransport(build_app(fake)), base_url="http://f", timeout=60
    ) as http:
        sid = http.post("/api/tasks/me/with-session/nemo_agent", headers=auth, json={}).json()[
            "data"
        ]["session_id"]
        yield fake, http, auth, sid
    fake.close()
    assert not checker.violations, checker.violations


def export(
    fake: Fake,
    http: httpx.Client,
    auth: dict[str, str],
    sid: str,
    draft: dict[str, Any],
    rid: str,
    out: Path,
) -> Path:
    body = {"id": rid, "sessionId": sid, "draft": draft, "output": {"format": "mp4"}}
    assert http.post("/api/render/proxy/lambda", headers=auth, json=body).json()["success"] is True
    render = fake.service.store.render(rid)
    assert render is not None
    fake.advance(render.duration)  # the job's API time is up; now only the encoder is left
    job = fake.service.renders.backend.pending(render)
    assert job is not None
    job.result(timeout=120)  # wait on the encoder itself, bounded
    data = http.get(f"/api/render/proxy/lambda/{rid}", headers=auth).json()["data"]
    assert data["status"] == "completed", data
    out.write_bytes(http.get(data["outputUrl"]).content)
    return out


def frames_rgb(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24").astype(np.int16) for f in container.decode(video=0)]


def audio_rms(path: Path) -> float:
    with av.open(str(path)) as container:
        chunks = [f.to_ndarray().astype(np.float64).ravel() for f in container.decode(audio=0)]
    samples = np.concatenate(chunks)
    return float(np.sqrt(np.mean(samples**2)))


def test_generated_three_track_draft_exports_to_real_mp4(world: Any, tmp_path: Path) -> None:
    fake, http, auth, sid = world
    run = {
        "session_id": sid,
        "new_message": {
            "parts": [
                {"text": 'generate a 4-second vertical video of a red fox with the title "Fox"'}
            ]
        },
    }
    with http.stream("POST", "/run_sse", headers=auth, json=run) as stream:
        assert stream.status_code == 200
        for _ in stream.iter_lines():
            pass
    draft = http.get(f"/api/state/nemo_agent/me/{sid}/latest", headers=auth).json()["data"][
        "state"
    ]["draft"]
    kinds = sorted(track["tt"] for track in draft["t"])
    assert kinds == [0, 1, 7], draft  # video, BGM, title
    out = export(fake, http, auth, sid, draft, "render_full", tmp_path / "full.mp4")

    with av.open(str(out)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert (video.codec_context.name, audio.codec_context.name) == ("h264", "aac")
        size = (video.codec_context.width, video.codec_context.height)
        seconds = (container.duration or 0) / 1_000_000
    assert size == (180, 320)  # 9:16, long side capped by media_max_side
    assert abs(seconds - draft["d"] / 1000) <= 1 / FPS + 0.03  # ± 1 frame (+ AAC padding)
    assert audio_rms(out) > 0.01  # the BGM is audible

    # the same draft without the title track: frames differ only while the title shows
    untitled = copy.deepcopy(draft)
    untitled["t"] = [t for t in untitled["t"] if t["tt"] != 7]
    plain = export(fake, http, auth, sid, untitled, "render_plain", tmp_path / "plain.mp4")
    title = next(t for t in draft["t"] if t["tt"] == 7)["sg"][0]
    with_title, without = frames_rgb(out), frames_rgb(plain)
    assert len(with_title) == len(without)
    start, end = title["s"] * FPS // 1000, (title["s"] + title["d"]) * FPS // 1000

    def changed(a: np.ndarray, b: np.ndarray) -> float:
        """Share of pixels that differ clearly (text strokes, not encoder noise)."""
        return float((np.abs(a - b).max(axis=2) > 60).mean())

    inside = [
        changed(a, b)
        for a, b in zip(with_title[start + 2 : end - 2], without[start + 2 : end - 2], strict=True)
    ]
    outside = [
        changed(a, b) for a, b in zip(with_title[end + 2 :], without[end + 2 :], strict=True)
    ]
    assert min(inside) > 0.001  # the title is drawn on every frame of its range
    assert not outside or max(outside) < 0.0002  # and nowhere else


def test_an_uploaded_clip_appears_in_the_export(world: Any, tmp_path: Path) -> None:
    fake, http, auth, sid = world
    clip = write_video(
        tmp_path / "red.mp4", width=160, height=90, seconds=1.0, fps=24, color=(220, 30, 30)
    )
    uploaded = http.post(
        f"/api/upload-video/nemo_agent/me/{sid}",
        headers=auth,
        files=[("files", ("red.mp4", clip.read_bytes(), "video/mp4"))],
    ).json()["data"]["files"][0]
    draft = {
        "t": [{"tt": 0, "sg": [{"s": 500, "d": 1000, "src": uploaded["cdn_url"]}]}],
        "d": 2000,
        "m": {"width": 160, "height": 90},
    }
    frames = frames_rgb(export(fake, http, auth, sid, draft, "render_upload", tmp_path / "u.mp4"))
    assert abs(len(frames) - 2 * FPS) <= 1
    red = frames[FPS].reshape(-1, 3).mean(axis=0)  # t = 1.0 s, inside the segment
    black = frames[5].reshape(-1, 3).mean(axis=0)  # t = 0.17 s, before it
    assert red[0] > 180 and red[1] < 70 and red[2] < 70, red
    assert black.max() < 20, black


def test_a_generated_clip_shows_its_prompt(world: Any, tmp_path: Path) -> None:
    """The seeds' example: the export of a generated sunset over a mountain lake shows a
    warm sky above a dark ridge, and water below that mirrors them."""
    fake, http, auth, sid = world
    text = "generate a 4-second video of a sunset over a mountain lake"
    run = {"session_id": sid, "new_message": {"parts": [{"text": text}]}}
    with http.stream("POST", "/run_sse", headers=auth, json=run) as stream:
        for _ in stream.iter_lines():
            pass
    draft = http.get(f"/api/state/nemo_agent/me/{sid}/latest", headers=auth).json()["data"][
        "state"
    ]["draft"]
    draft["t"] = [t for t in draft["t"] if t["tt"] == 0]  # the picture alone, no title
    frame = frames_rgb(export(fake, http, auth, sid, draft, "render_lake", tmp_path / "l.mp4"))[0]
    height = frame.shape[0]
    horizon = int(height * 0.58)
    r, g, b = frame[: height // 4].reshape(-1, 3).mean(axis=0)
    assert r > g > b and r > 150  # a warm sky
    assert frame[horizon - height // 12 : horizon].mean() < 70  # the mountains' dark band
    rows = np.arange(horizon + 2, height)
    water, mirrored = frame[rows].mean(axis=(1, 2)), frame[2 * horizon - rows - 1].mean(axis=(1, 2))
    assert np.corrcoef(water, mirrored)[0, 1] > 0.8  # the lake reflects what is above it
