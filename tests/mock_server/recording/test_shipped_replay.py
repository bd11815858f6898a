"""The shipped seed-flow cassette, replayed in-process for a client that follows the seeds."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

from mock_server.recording.pytest_fixtures import ReplaySession
from tests.conftest import run_body
from tests.mock_server.recording.helpers import ATTRIBUTION, CASSETTES, sse_frames


def test_the_seed_flow_replays_for_a_seeds_client(
    nemo_replay: Callable[..., ReplaySession], sample_mp4: Path
) -> None:
    replay = nemo_replay(CASSETTES / "seed_flow.json")
    client = replay.client
    token = client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "any-client"})
    auth = {"Authorization": f"Bearer {token.json()['data']['token']}", **ATTRIBUTION}
    session = client.post(
        "/api/tasks/me/with-session/nemo_agent",
        json={"task_name": "project", "language": "en"},
        headers=auth,
    ).json()["data"]
    sid = session["session_id"]
    files = [("files", ("sample.mp4", sample_mp4.read_bytes(), "video/mp4"))]
    upload = client.post(f"/api/upload-video/nemo_agent/me/{sid}", files=files, headers=auth)
    assert upload.json()["data"]["files"][0]["cdn_url"].startswith("http://replay.local/media/")
    assert (
        client.get("/api/credits/balance/simple", headers=auth).json()["data"]["available"] == 100
    )
    client.get(f"/api/state/nemo_agent/me/{sid}/latest", headers=auth)
    text = "generate a 10-second video of a city timelapse at night with lo-fi music"
    with client.stream("POST", "/run_sse", json=run_body(sid, text), headers=auth) as stream:
        frames = list(sse_frames(stream))
    assert any("generate_video_with_seedance" in raw for raw in frames)
    state = client.get(f"/api/state/nemo_agent/me/{sid}/latest", headers=auth).json()["data"]
    render_id = f"render_{int(time.time() * 1000)}"  # the client's own id, not the recorded one
    body = {"id": render_id, "sessionId": sid, "draft": state["state"]["draft"]}
    submit = client.post("/api/render/proxy/lambda", json=body, headers=auth).json()
    assert submit["data"]["id"] == render_id
    statuses = []
    for _ in range(100):
        poll = client.get(f"/api/render/proxy/lambda/{render_id}", headers=auth).json()["data"]
        statuses.append(poll["status"])
        if poll["status"] == "completed":
            break
    assert statuses[-1] == "completed" and set(statuses[:-1]) <= {"pending", "processing"}
    again = client.get(f"/api/render/proxy/lambda/{render_id}", headers=auth).json()["data"]
    assert again == poll  # polling on after the recording ended: the last answer repeats
    assert re.fullmatch(  # the recorded unguessable key, the client's own render id
        rf"http://replay\.local/render-result/{render_id}-[0-9a-f]{{32}}\.mp4", poll["outputUrl"]
    )
    video = client.get(poll["outputUrl"])
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    assert replay.misses == []
    assert replay.unused == []
