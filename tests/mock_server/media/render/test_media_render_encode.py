"""The encoding pipeline's scheduling: its workers yield the cores to the encoder."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest

from mock_server.media.render import encode
from mock_server.media.render.video import Compositor
from tests.mock_server.media.render.helpers import render, video

needs_sched_idle = pytest.mark.skipif(
    not hasattr(os, "SCHED_IDLE") and not os.environ.get("CI"),
    reason="SCHED_IDLE is a Linux scheduling policy",
)


def _in_a_thread(body: Any) -> Any:
    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(body()))
    thread.start()
    thread.join()
    return result[0]


@needs_sched_idle
def test_idle_priority_applies_to_the_calling_thread_only() -> None:
    caller = os.sched_getscheduler(0)
    applied, policy = _in_a_thread(
        lambda: (encode.run_at_idle_priority(), os.sched_getscheduler(0))
    )
    assert (applied, policy) == (True, os.SCHED_IDLE)
    assert os.sched_getscheduler(0) == caller  # the calling thread, not the process


def test_idle_priority_is_skipped_where_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(os, "SCHED_IDLE", raising=False)
    assert _in_a_thread(encode.run_at_idle_priority) is False


def test_idle_priority_refused_leaves_the_thread_as_it_was(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: Any) -> None:
        raise PermissionError("sandboxed")

    monkeypatch.setattr(os, "SCHED_IDLE", 5, raising=False)
    monkeypatch.setattr(os, "sched_setscheduler", refuse, raising=False)
    assert _in_a_thread(encode.run_at_idle_priority) is False


@needs_sched_idle
def test_pictures_are_composed_at_idle_priority_and_encoded_at_the_callers(
    tmp_path: Path, media: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    composed_under: set[int] = set()
    picture = Compositor.picture

    def spy(self: Compositor, i: int) -> Any:
        composed_under.add(os.sched_getscheduler(0))
        return picture(self, i)

    monkeypatch.setattr(Compositor, "picture", spy)
    caller = os.sched_getscheduler(0)
    render(tmp_path, media, {"t": [video("teal.mp4", 0, 300)]})
    assert composed_under == {os.SCHED_IDLE}
    assert os.sched_getscheduler(0) == caller
