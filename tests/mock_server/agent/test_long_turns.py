"""Turns end to end through `/run_sse` on a fresh in-process fake (auto-advanced manual
clock): every turn longer than the heartbeat interval sends heartbeats, in every event
and heartbeat dialect; the seeds' own prompts give the clips they describe."""

from __future__ import annotations

import itertools
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mock_server.testing.handles import FakeHandle
from tests.mock_server.agent.prompt_judge import Session

INTERVAL = 5.0
BEATS = {"empty": "data: ", "json": 'data: {"type":"heartbeat"}', "comment": ": heartbeat"}


def fake(**config: Any) -> Iterator[FakeHandle]:
    with tempfile.TemporaryDirectory(prefix="nemo-agent-") as tmp:
        handle = FakeHandle.create(
            {"clock": "manual", "seed": 5, "media_max_side": 320, **config}, Path(tmp)
        )
        try:
            yield handle
        finally:
            handle.close()


def frames(handle: FakeHandle, session: Session, text: str) -> list[tuple[float, str]]:
    """(API time it arrived, line) for every non-blank line of the turn's stream."""
    payload = {
        "app_name": "nemo_agent",
        "user_id": "me",
        "session_id": session.session_id,
        "new_message": {"role": "user", "parts": [{"text": text}]},
    }
    start = handle.now()
    out = [(start, "<start>")]
    with handle.client.stream(
        "POST", "/run_sse", json=payload, headers={**session.headers, "Accept": "text/event-stream"}
    ) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if line:
                out.append((handle.now(), line))
    return out


@pytest.mark.parametrize("events", ["adk", "typed"])
@pytest.mark.parametrize("heartbeat", ["empty", "json", "comment"])
def test_every_long_turn_sends_heartbeats(events: str, heartbeat: str) -> None:
    for handle in fake(events=events, heartbeat=heartbeat, heartbeat_interval=INTERVAL):
        session = Session(handle)
        turns = {
            "generation": "a sunset over a mountain lake with calm music",
            "edit": "add subtitles and make it black and white",
            "answer": "give me 5 video ideas for a bakery",
            "upload": "turn my photos into a slideshow",
        }
        for kind, text in turns.items():
            got = frames(handle, session, text)
            length = got[-1][0] - got[0][0]
            assert length > INTERVAL, (kind, length)  # long enough to need heartbeats
            gaps = [b[0] - a[0] for a, b in itertools.pairwise(got)]
            assert max(gaps) <= INTERVAL + 1e-6, (kind, max(gaps))
            beats = [line for _, line in got if line == BEATS[heartbeat]]
            assert beats, kind
            events_seen = [line for _, line in got[1:] if line != BEATS[heartbeat]]
            assert events_seen and all(line.startswith("data: {") for line in events_seen)
            if events == "typed":
                assert all('"type":' in line for line in events_seen)


def _draft(session: Session) -> dict[str, Any]:
    return dict(session.state()["draft"])


def test_the_seeds_calm_music_prompt_generates_with_calm_bgm() -> None:
    for handle in fake():
        session = Session(handle)
        session.send("a sunset over a mountain lake with calm music")
        state = session.state()
        draft = state["draft"]
        (bgm,) = [t for t in draft["t"] if t["tt"] == 1]
        assert bgm["sg"][0]["n"] == "Calm" and bgm["sg"][0]["d"] == draft["d"] == 10_000
        media = {m["type"]: m for m in state["generated_media"]}
        assert media["audio"]["prompt"].startswith("Calm background music for sunset over")
        stored = handle.fake.service.ctx.store.media(media["audio"]["id"])
        assert stored is not None and stored.recipe is not None
        assert stored.recipe["style"] == "ambient"  # what media.synth plays for calm
        assert media["video"]["prompt"] == "sunset over a mountain lake"
        title = next(t for t in draft["t"] if t["tt"] == 7)["sg"][0]["tx"]
        assert title == "Mountain Lake Sunset" == draft["m"]["title"]


def test_a_five_second_timelapse_is_five_seconds() -> None:
    for handle in fake():
        session = Session(handle)
        turn = session.send("5-second sunset timelapse")
        assert "generate_video_with_seedance" in turn.tools
        draft = turn.state["draft"]
        assert draft["d"] == 5000
        assert all(s["d"] == 5000 for t in draft["t"] if t["tt"] != 7 for s in t["sg"])
        (video,) = [m for m in turn.state["generated_media"] if m["type"] == "video"]
        assert video["duration"] == 5.0


def test_a_turn_is_the_same_for_the_same_seed_and_text() -> None:
    streams = []
    for _ in range(2):
        for handle in fake():
            session = Session(handle)
            got = frames(handle, session, "a red fox in the snow, 6 seconds, with piano music")
            streams.append([(round(t, 6), line) for t, line in got])
    assert streams[0] == streams[1]
    assert any(
        json.loads(line[6:]).get("content") for _, line in streams[0] if line.startswith("data: {")
    )
