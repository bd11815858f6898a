"""Record a session through the proxy (the fake upstream, both on loopback uvicorn), replay
it at speed 1, and get the same results paced by the recorded offsets (checked on a virtual
clock); no secret is recorded."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx

from mock_server.app import build_app
from mock_server.config import FakeConfig
from mock_server.fake import Fake
from mock_server.recording.cassette import Cassette
from mock_server.recording.record import RecordingProxy
from mock_server.recording.replay import ReplayApp
from mock_server.testing import ServerThread
from tests.conftest import run_body
from tests.mock_server.recording.helpers import ATTRIBUTION, VirtualPacer, due_times, sse_frames

CLIENT_ID = "3f2d8c1e-roundtrip-client-0001"
TIME_SCALE = 0.003  # a 100-300 s generation turn streams in 0.3-0.9 s
_SECRETS = [
    (re.compile(r"http://127\.0\.0\.1:\d+"), "<BASE>"),
    (re.compile(r"nmv_usr_[A-Za-z0-9_\-]+"), "<TOKEN>"),
    (re.compile(r"anon_[0-9a-f]+"), "<USER>"),
    (re.compile(r"clm_[A-Za-z0-9_\-]+"), "<CLAIM>"),
]


def normalise(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


def flow(base_url: str, upload: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with httpx.Client(base_url=base_url, timeout=10) as client:
        token = client.post("/api/auth/anonymous-token", headers={"X-Client-Id": CLIENT_ID})
        out["token"] = token.text
        auth = {"Authorization": f"Bearer {token.json()['data']['token']}", **ATTRIBUTION}
        session = client.post(
            "/api/tasks/me/with-session/nemo_agent",
            json={"task_name": "project", "language": "en"},
            headers=auth,
        )
        out["session"] = session.text
        sid = session.json()["data"]["session_id"]
        files = [("files", (upload.name, upload.read_bytes(), "video/mp4"))]
        out["upload"] = client.post(
            f"/api/upload-video/nemo_agent/me/{sid}", files=files, headers=auth
        ).text
        out["credits"] = client.get("/api/credits/balance/simple", headers=auth).text
        body = run_body(sid, "generate a video of a sunset over a mountain lake")
        with client.stream(
            "POST", "/run_sse", json=body, headers={**auth, "Accept": "text/event-stream"}
        ) as stream:
            out["status"] = stream.status_code
            out["frames"] = list(sse_frames(stream))
        out["state"] = client.get(f"/api/state/nemo_agent/me/{sid}/latest", headers=auth).text
        out["claim"] = client.post(
            "/api/auth/claim-token", json={"session_id": sid}, headers=auth
        ).text
    return out


def test_round_trip(tmp_path: Path, sample_mp4: Path) -> None:
    fake = Fake(
        FakeConfig(clock="scaled", time_scale=TIME_SCALE, seed=11, data_dir=str(tmp_path / "data"))
    )
    cassette_path = tmp_path / "roundtrip.json"
    try:
        with ServerThread(build_app(fake)) as upstream:
            proxy = RecordingProxy(upstream, cassette_path, allow_spend=True)
            with ServerThread(proxy) as proxy_url:
                recorded = flow(proxy_url, sample_mp4)
    finally:
        fake.close()
    pacer = VirtualPacer()
    app = ReplayApp(cassette_path, speed=1, pacer=pacer)
    with ServerThread(app) as replay_url:
        replayed = flow(replay_url, sample_mp4)
    assert app.misses == []
    assert app.unused == []

    # The client saw the same thing (secrets and base URLs aside: those are re-linked).
    for key in ("token", "session", "upload", "credits", "state", "claim"):
        assert normalise(replayed[key]) == normalise(recorded[key]), key
    assert replayed["status"] == recorded["status"] == 200
    assert [normalise(raw) for raw in replayed["frames"]] == [
        normalise(raw) for raw in recorded["frames"]
    ]

    # ... with the same pacing: the replay waited until each frame's recorded offset (on
    # a virtual clock: the offsets are what the recording measured, the waits are exact).
    (stream,) = [
        i.response.sse for i in Cassette.load(cassette_path).interactions if i.response.sse
    ]
    offsets = [chunk.offset_ms for chunk in stream or []]
    assert len(offsets) >= 5, "a generation turn streams several frames (text, tool calls)"
    assert offsets == sorted(offsets) and offsets[-1] > 0
    assert pacer.woke_at == due_times(offsets, speed=1)

    # No secret in the recorded bytes.
    text = cassette_path.read_text()
    token = re.search(r"nmv_usr_[A-Za-z0-9_\-]+", recorded["token"])
    assert token is not None
    assert token.group(0) not in text
    assert CLIENT_ID not in text
    assert "nmv_usr_" not in text and "clm_" not in text and "anon_" not in text
    cassette = Cassette.load(cassette_path)  # validates against contracts/cassette.schema.json
    assert {
        "<TOKEN_1>",
        "<CLIENT_ID_1>",
        "<USER_1>",
        "<CLAIM_1>",
        "<BASE_URL_1>",
    } <= cassette.placeholders.keys()
