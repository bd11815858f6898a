"""The draft as the renderer reads it: canvas, frame ranges and each segment's options.

Segment keys are those of `contracts/draft-extensions.md`, checked by the fake's draft
model (`mock_server/draft.py`): a value out of range or an unknown filter or transition
name makes the draft invalid, and the render fails with that message.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

from mock_server.draft import Draft, Segment
from mock_server.media.frames import fit_canvas

DEFAULT_CANVAS = (1920, 1080)


class Transition(NamedTuple):
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


def options(seg: Segment) -> SegmentOptions:
    """The segment's speed, filters, fades and transition; the model has checked their
    ranges and names, fades and transitions longer than the segment are cut to it."""
    transition = None
    if seg.tr is not None and seg.tr.d > 0:
        transition = Transition(seg.tr.k, min(seg.tr.d, seg.d))
    return SegmentOptions(
        speed=float(seg.sp),
        filters=tuple(seg.fx),
        fade_in_ms=min(seg.fi, seg.d),
        fade_out_ms=min(seg.fo, seg.d),
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
