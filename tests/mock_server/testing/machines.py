"""Shared pieces of the harness's hypothesis state machines."""

from __future__ import annotations

import io
import os
from functools import cache
from typing import Any

from hypothesis import HealthCheck, settings

GENERATE = "generate a 2-second video of a red fox"
TEXTS = (
    GENERATE,  # generation: generation_cost
    'add a title "Fox"',  # edits: edit_cost once per session
    "add lo-fi background music",
    "trim it to 1 second",
    "make it 9:16",  # canvas (a regeneration when there is a clip)
    "hello",  # chat: free
)


def machine_settings(max_examples: int, steps: int) -> settings:
    """Small and fast; no example database; derandomized in CI for a stable suite."""
    return settings(
        max_examples=max_examples,
        stateful_step_count=steps,
        deadline=None,
        database=None,
        derandomize=bool(os.environ.get("CI")),
        print_blob=True,
        suppress_health_check=list(HealthCheck),
    )


@cache
def png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (32, 18), (200, 80, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


TINY_DRAFT: dict[str, Any] = {
    "t": [{"id": "v1", "tt": 0, "sg": [{"id": "s1", "s": 0, "d": 1000, "n": "clip"}]}],
    "d": 1000,
    "m": {"title": "t", "width": 64, "height": 36},
}
