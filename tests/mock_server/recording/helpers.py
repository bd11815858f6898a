"""Helpers for the record/replay tests (importable: tests.mock_server.recording.helpers)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx

from mock_server.recording.replay import Pacer
from nemo_protocol.sse import SSEFramer

ROOT = Path(__file__).resolve().parents[3]
CASSETTES = ROOT / "fixtures" / "cassettes"
ATTRIBUTION = {
    "X-Skill-Source": "nemo-video",
    "X-Skill-Version": "1.9",
    "X-Skill-Platform": "unknown",
}


def sse_frames(response: httpx.Response) -> Iterator[str]:
    """Each raw SSE frame (terminator kept) as its blank line arrives."""
    framer = SSEFramer()
    for chunk in response.iter_bytes():
        for frame in framer.feed(chunk):
            yield frame.decode()
    if rest := framer.finish():
        yield rest.decode()


class VirtualPacer(Pacer):
    """The replay's pacing on virtual time: `sleep` moves time on at once and notes when
    each chunk was due, so a test checks the pacing without waiting for it."""

    def __init__(self) -> None:
        self.time = 0.0
        self.woke_at: list[float] = []

    def now(self) -> float:
        return self.time

    async def sleep(self, seconds: float) -> None:
        self.time += seconds
        self.woke_at.append(round(self.time, 6))


def due_times(offsets_ms: list[float], speed: float) -> list[float]:
    """When a replay at `speed` wakes for chunks recorded at these offsets (chunks due
    within half a millisecond of the last wake go out with it)."""
    woke: list[float] = []
    now = 0.0
    for offset in offsets_ms:
        if offset / 1000 / speed - now > 0.0005:
            now = offset / 1000 / speed
            woke.append(round(now, 6))
    return woke
