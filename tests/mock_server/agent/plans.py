"""Plan-level helpers for the agent's tests: a `TurnInput` with defaults, and the
input of the turn after a generation."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from mock_server.agent import TurnInput, plan_turn
from mock_server.config import FakeConfig

T0 = 1_767_225_600.0
CONFIG = FakeConfig()
CLIP = {
    "id": "med_up",
    "filename": "beach.mp4",
    "file_type": "video",
    "cdn_url": "http://fake.local/media/med_up/beach.mp4",
    "duration": 8.0,
    "width": 1280,
    "height": 720,
    "source": "upload",
}


def turn_input(message: str, **changes: Any) -> TurnInput:
    base = TurnInput(
        seed=11,
        config=CONFIG,
        user_id="anon_0123456789abcdef",
        session_id="5529798706024415232",
        turn=1,
        started_at=T0,
        message=message,
        base_url="http://fake.local",
        data_dir=Path("/data"),
        draft={},
        canvas={"width": 1920, "height": 1080, "aspect_ratio": "16:9"},
        video_infos=[],
        memory={},
    )
    return replace(base, **changes)


def after_generation(
    message: str = "generate a video of a city timelapse", **changes: Any
) -> TurnInput:
    plan = plan_turn(turn_input(message))
    draft: dict[str, Any] = {}
    for change in plan.changes:
        if change.draft:
            draft = change.draft(draft)
    return turn_input(
        "", turn=2, draft=draft, memory=plan.memory, started_at=plan.ends_at + 5, **changes
    )
