"""Helpers for the record/replay tests (importable: tests.mock_server.recording.helpers)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[3]
CASSETTES = ROOT / "fixtures" / "cassettes"
ATTRIBUTION = {
    "X-Skill-Source": "nemo-video",
    "X-Skill-Version": "1.9",
    "X-Skill-Platform": "unknown",
}


def sse_frames(response: httpx.Response) -> Iterator[tuple[float, str]]:
    """(seconds since the call, raw frame) as each frame's blank line arrives."""
    start = time.monotonic()
    buffer = ""
    for text in response.iter_text():
        buffer += text
        while "\n\n" in buffer:
            frame, buffer = buffer.split("\n\n", 1)
            yield time.monotonic() - start, frame + "\n\n"
    if buffer:
        yield time.monotonic() - start, buffer
