"""The draft as the renderer reads it: canvas, frame ranges and each segment's options.

Segment keys are those of `contracts/draft-extensions.md`. Values out of range are
clamped and unknown filter or transition names are skipped (logged), so a draft written
by another client still renders instead of failing the export.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

from mock_server.draft import Draft, Segment
from mock_server.media.frames import fit_canvas
from mock_server.media.grade import FILTERS

log = logging.getLogger(__name__)

DEFAULT_CANVAS = (1920, 1080)
MIN_SPEED, MAX_SPEED = 0.25, 4.0
TRANSITIONS = ("crossfade", "fade", "wipe", "slide", "zoom")


@dataclass(frozen=True)
class Transition:
    """A segment's `tr`: how it takes over from the previous segment, over how long."""

    kind: str
    ms: int


@dataclass(frozen=True)
class SegmentOptions:
    """What a segment asks beyond its place on the timeline."""

    speed: float = 1.0
    filters: tuple[str, ...] = ()
    fade_in_ms: int = 0
    fade_out_ms: int = 0
    transition: Transition | None = None


def canvas_size(draft: Draft, width: int | None, height: int | None) -> tuple[int, int]:
    """The render arguments, else the draft's `m.width`/`m.height`, else 1920x1080; clamped."""
    if width and height:
        return fit_canvas(int(width), int(height))
    mw, mh = draft.m.get("width"), draft.m.get("height")
    if isinstance(mw, int | float) and isinstance(mh, int | float) and mw > 0 and mh > 0:
        return fit_canvas(int(mw), int(mh))
    return fit_canvas(*DEFAULT_CANVAS)


def frame_range(seg: Segment, fps: int, n_frames: int) -> tuple[int, int]:
    """Output frames i with s <= i/fps*1000 < s+d."""
    first = math.ceil(seg.s * fps / 1000 - 1e-9)
    stop = math.ceil(seg.end * fps / 1000 - 1e-9)
    return max(0, first), min(n_frames, stop)


def extra(seg: Segment, key: str) -> Any:
    """A segment key outside the typed model (kept by its `extra="allow"`)."""
    return (seg.model_extra or {}).get(key)


def _ms(value: Any, cap: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return 0
    return max(0, min(int(value), cap))


def options(seg: Segment) -> SegmentOptions:
    speed_raw = extra(seg, "sp")
    speed = 1.0
    if isinstance(speed_raw, int | float) and not isinstance(speed_raw, bool) and speed_raw > 0:
        speed = min(MAX_SPEED, max(MIN_SPEED, float(speed_raw)))
    filters: list[str] = []
    fx = extra(seg, "fx")
    for name in fx if isinstance(fx, list) else [fx] if isinstance(fx, str) else []:
        key = str(name).strip().lower()
        if key in FILTERS:
            filters.append(key)
        else:
            log.info("render: unknown filter %r skipped", name)
    transition = None
    tr = extra(seg, "tr")
    if isinstance(tr, dict):
        kind = str(tr.get("k", "crossfade")).strip().lower()
        ms = _ms(tr.get("d", 500), seg.d)
        if kind in TRANSITIONS and ms > 0:
            transition = Transition(kind, ms)
        elif kind not in TRANSITIONS:
            log.info("render: unknown transition %r skipped", kind)
    return SegmentOptions(
        speed=speed,
        filters=tuple(filters),
        fade_in_ms=_ms(extra(seg, "fi"), seg.d),
        fade_out_ms=_ms(extra(seg, "fo"), seg.d),
        transition=transition,
    )


def fade_factor(opts: SegmentOptions, seg: Segment, t_ms: float, frame_ms: float) -> float:
    """1.0 in the body of the segment, towards 0 inside its fade-in and fade-out: the
    segment's first frame is black after a fade-in, its last one after a fade-out."""
    factor = 1.0
    if opts.fade_in_ms:
        factor = min(factor, max(0.0, (t_ms - seg.s) / opts.fade_in_ms))
    if opts.fade_out_ms:
        factor = min(factor, max(0.0, (seg.end - frame_ms - t_ms) / opts.fade_out_ms))
    return factor
