"""Replay: in-order matching, re-linked placeholders and ids, timing, near-miss reports."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from mock_server.recording.capture import sha256_hex
from mock_server.recording.cassette import (
    Cassette,
    Interaction,
    RecordedRequest,
    RecordedResponse,
    SSEChunk,
)
from mock_server.recording.pytest_fixtures import ReplaySession
from mock_server.recording.replay import ReplayApp, replay_app, synthetic_value
from mock_server.testing import StreamingTransport
from tests.conftest import run_body
from tests.mock_server.recording.helpers import VirtualPacer, sse_frames

JSON = {"content-type": "application/json"}
VIDEO = b"\x00\x00\x00\x18ftypmp42-real-bytes-of-a-video" * 3


def _json(method: str, path: str, body: Any, response: Any, status: int = 200) -> Interaction:
    return Interaction(
        RecordedRequest(method, path, {}, dict(JSON) if body is not None else {}, body),
        RecordedResponse(status, dict(JSON), body=response),
    )


def make_cassette() -> Cassette:
    frames = [
        SSEChunk(0, 'data: {"content":{"parts":[{"text":"On it"}],"role":"model"}}\n\n'),
        SSEChunk(100, "data: \n\n"),
        SSEChunk(200, 'data: {"content":{"parts":[{"text":"Done"}],"role":"model"}}\n\n'),
    ]
    lam = "/api/render/proxy/lambda"
    interactions = [
        _json(
            "POST",
            "/api/auth/anonymous-token",
            None,
            {"code": 0, "data": {"token": "<TOKEN_1>", "user_id": "<USER_1>"}},
        ),
        _json(
            "POST",
            "/api/tasks/me/with-session/nemo_agent",
            {"task_name": "project"},
            {"code": 0, "data": {"session_id": "5550001112223334445", "user_id": "<USER_1>"}},
        ),
        Interaction(
            RecordedRequest(
                "POST", "/run_sse", {}, dict(JSON), run_body("5550001112223334445", "make a video")
            ),
            RecordedResponse(200, {"content-type": "text/event-stream"}, sse=frames),
        ),
        _json(
            "POST",
            lam,
            {"id": "render_1", "sessionId": "5550001112223334445", "draft": {}},
            {"success": True, "data": {"id": "render_1", "status": "pending", "progress": 5}},
        ),
        _json(
            "GET",
            f"{lam}/render_1",
            None,
            {"success": True, "data": {"id": "render_1", "status": "pending"}},
        ),
        _json(
            "GET",
            f"{lam}/render_1",
            None,
            {
                "success": True,
                "data": {
                    "id": "render_1",
                    "status": "completed",
                    "outputUrl": "<BASE_URL_1>/render-result/render_1.mp4",
                },
            },
        ),
        Interaction(
            RecordedRequest("GET", "/render-result/render_1.mp4"),
            RecordedResponse(
                200,
                {"content-type": "video/mp4"},
                binary={
                    "size": len(VIDEO),
                    "sha256": sha256_hex(VIDEO),
                    "content_type": "video/mp4",
                },
            ),
        ),
    ]
    placeholders = {"<TOKEN_1>": "token", "<USER_1>": "user_id", "<BASE_URL_1>": "base_url"}
    return Cassette(Cassette.synthesized("by hand, for tests"), interactions, placeholders)


@pytest.fixture
def cassette_file(tmp_path: Path) -> Path:
    return make_cassette().save(tmp_path / "replay.json")


def test_a_client_replays_the_whole_session(
    nemo_replay: Callable[..., ReplaySession], cassette_file: Path
) -> None:
    replay = nemo_replay(cassette_file)
    client = replay.client
    token = client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "mine"}).json()["data"]
    assert token == {"token": synthetic_value("<TOKEN_1>"), "user_id": synthetic_value("<USER_1>")}
    assert token["token"].startswith("nmv_usr_") and len(token["token"]) == 51
    auth = {"Authorization": f"Bearer {token['token']}"}
    sid = client.post(
        "/api/tasks/me/with-session/nemo_agent", json={"task_name": "project"}, headers=auth
    ).json()["data"]["session_id"]
    with client.stream(
        "POST", "/run_sse", json=run_body(sid, "make a video"), headers=auth
    ) as stream:
        assert stream.headers["content-type"] == "text/event-stream"
        frames = list(sse_frames(stream))
    assert frames == [c.raw for c in make_cassette().interactions[2].response.sse or []]
    # The client picks its own render id: it replaces the recorded one from then on.
    submit = client.post(
        "/api/render/proxy/lambda",
        json={"id": "render_777", "sessionId": sid, "draft": {}},
        headers=auth,
    )
    assert submit.json()["data"]["id"] == "render_777"
    statuses = [
        client.get("/api/render/proxy/lambda/render_777", headers=auth).json()["data"]
        for _ in range(3)
    ]
    assert [s["status"] for s in statuses] == [
        "pending",
        "completed",
        "completed",
    ]  # the last one repeats
    assert statuses[1]["outputUrl"] == "http://replay.local/render-result/render_777.mp4"
    video = client.get(statuses[1]["outputUrl"])
    assert video.headers["content-type"] == "video/mp4"
    assert len(video.content) == len(VIDEO) and video.content.startswith(
        b"\x00\x00\x00\x18ftypmp42"
    )
    assert client.head(statuses[1]["outputUrl"]).content == b""
    assert replay.misses == []
    assert replay.unused == []


def test_recorded_file_bytes_are_served_from_a_media_folder(
    nemo_replay: Callable[..., ReplaySession], cassette_file: Path, tmp_path: Path
) -> None:
    media = tmp_path / "media"
    media.mkdir()
    (media / "out.mp4").write_bytes(VIDEO)
    replay = nemo_replay(cassette_file, media_dirs=[media])
    assert replay.client.get("/render-result/render_1.mp4").content == VIDEO


def test_a_request_the_cassette_lacks_gets_the_nearest_miss(
    nemo_replay: Callable[..., ReplaySession], cassette_file: Path
) -> None:
    replay = nemo_replay(cassette_file)
    miss = replay.client.post("/run_sse", json=run_body("5550001112223334445", "make it purple"))
    assert miss.status_code == 404
    body = miss.json()
    assert body["code"] == 404
    assert body["message"].startswith("No recorded interaction matches POST /run_sse")
    assert body["nearest"]["index"] == 2
    assert body["nearest"]["differences"] == [
        "message: recorded 'make a video', got 'make it purple'"
    ]
    assert replay.misses == [body]
    replay.client.post("/api/auth/anonymous-token")
    again = replay.client.post("/api/auth/anonymous-token").json()  # a POST is served once
    assert again["nearest"] == {
        "index": 0,
        "method": "POST",
        "path": "/api/auth/anonymous-token",
        "already_served": True,
        "differences": ["already served (and not a repeatable GET)"],
    }
    unknown = replay.client.get("/api/nothing/here").json()
    assert unknown["nearest"]["differences"][0].startswith("path: recorded")


def test_a_linked_id_must_stay_linked(
    nemo_replay: Callable[..., ReplaySession], cassette_file: Path
) -> None:
    client = nemo_replay(cassette_file).client
    client.post(
        "/api/render/proxy/lambda",
        json={"id": "render_a", "sessionId": "5550001112223334445", "draft": {}},
    )
    other = client.get("/api/render/proxy/lambda/render_b")
    assert other.status_code == 404
    assert "render_1 is linked to render_a, got render_b" in other.json()["message"]


def test_speed_scales_the_recorded_gaps(cassette_file: Path) -> None:
    def wakes(speed: float) -> tuple[list[float], list[str]]:
        pacer = VirtualPacer()
        app = ReplayApp(cassette_file, speed=speed, pacer=pacer)
        with httpx.Client(
            transport=StreamingTransport(app), base_url="http://replay.local"
        ) as client:
            client.post("/api/auth/anonymous-token")
            client.post("/api/tasks/me/with-session/nemo_agent", json={"task_name": "project"})
            with client.stream(
                "POST", "/run_sse", json=run_body("5550001112223334445", "make a video")
            ) as stream:
                return pacer.woke_at, list(sse_frames(stream))

    recorded = [c.raw for c in make_cassette().interactions[2].response.sse or []]
    assert wakes(0) == ([], recorded)  # no waiting at all
    assert wakes(1) == ([0.1, 0.2], recorded)  # recorded at 0/100/200 ms
    assert wakes(2) == ([0.05, 0.1], recorded)  # twice as fast


def test_status_reset_and_a_served_url(
    nemo_replay: Callable[..., ReplaySession], cassette_file: Path
) -> None:
    replay = nemo_replay(cassette_file)
    with httpx.Client(base_url=replay.url, timeout=5) as client:  # a real loopback server
        assert replay.url.startswith("http://127.0.0.1:")
        token = client.post("/api/auth/anonymous-token").json()
        assert token["data"]["token"] == synthetic_value("<TOKEN_1>")
        status = client.get("/_replay/status").json()
        assert status["served"] == [
            {"index": 0, "method": "POST", "path": "/api/auth/anonymous-token"}
        ]
        assert status["unused"] == [1, 2, 3, 4, 5, 6]
        assert client.post("/_replay/reset").json()["served"] == []
        assert client.post("/api/auth/anonymous-token").status_code == 200
        assert client.get("/_replay/nope").status_code == 404


def test_bad_speed_is_refused(cassette_file: Path) -> None:
    with pytest.raises(ValueError, match="speed"):
        replay_app(cassette_file, speed=-1)


def test_replay_looks_forward_from_the_last_interaction_served(tmp_path: Path) -> None:
    state = "/api/state/nemo_agent/me/1/latest"
    cassette = Cassette(
        Cassette.synthesized("by hand"),
        [
            _json("GET", state, None, {"code": 0, "data": {"draft": {}}}),
            Interaction(
                RecordedRequest("POST", "/run_sse", {}, dict(JSON), run_body("1", "go")),
                RecordedResponse(200, {"content-type": "text/event-stream"}, sse=[]),
            ),
            _json("GET", state, None, {"code": 0, "data": {"draft": {"t": [1]}}}),
        ],
    )
    app = replay_app(cassette)
    with httpx.Client(transport=StreamingTransport(app), base_url="http://replay.local") as client:
        client.post("/run_sse", json=run_body("1", "go"))  # the client skipped the first state
        assert client.get(state).json()["data"]["draft"] == {"t": [1]}
        assert client.get(state).json()["data"]["draft"] == {}  # then the earlier one, unused
        assert client.get(state).json()["data"]["draft"] == {"t": [1]}  # then the last again
    assert app.unused == []
