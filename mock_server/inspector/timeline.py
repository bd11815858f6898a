"""A draft (short-key JSON, contracts/draft-extensions.md) as lanes to draw to scale:
one lane per track, each segment placed by its start and duration as a share of the
draft's length. Tolerant: a draft from the live API or a half-built one still draws."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urlparse

TRACK_TYPES = {0: "video", 1: "audio", 7: "text"}


@dataclass
class SegmentView:
    start_ms: int
    duration_ms: int
    left: float  # percent of the timeline
    width: float
    label: str
    detail: list[str]
    tooltip: str
    role: str | None = None  # text role `k`: title | subtitle | overlay
    color: str | None = None


@dataclass
class LaneView:
    kind: str  # video | audio | text | other
    tt: Any
    name: str
    segments: list[SegmentView] = field(default_factory=list)


@dataclass
class TimelineView:
    duration_ms: int
    lanes: list[LaneView]
    ticks: list[tuple[float, str]]  # (percent, label)
    title: str | None
    size: str | None
    raw: str  # the draft JSON, pretty-printed

    @property
    def empty(self) -> bool:
        return not any(lane.segments for lane in self.lanes)


def _int(value: Any) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0


def _seconds(ms: int) -> str:
    return f"{ms / 1000:g}s"


def source_name(src: Any) -> str:
    if not isinstance(src, str) or not src:
        return ""
    return unquote(PurePosixPath(urlparse(src).path).name) or src


def timeline(draft: dict[str, Any] | None) -> TimelineView:
    draft = draft if isinstance(draft, dict) else {}
    tracks = [t for t in draft.get("t") or [] if isinstance(t, dict)]
    ends = [
        _int(seg.get("s")) + _int(seg.get("d"))
        for track in tracks
        for seg in track.get("sg") or []
        if isinstance(seg, dict)
    ]
    total = max([_int(draft.get("d")), *ends, 1])
    lanes = [_lane(track, total) for track in tracks]
    meta: dict[str, Any] = draft["m"] if isinstance(draft.get("m"), dict) else {}
    width, height = meta.get("width"), meta.get("height")
    return TimelineView(
        duration_ms=total,
        lanes=lanes,
        ticks=_ticks(total),
        title=meta.get("title"),
        size=f"{width}x{height}" if width and height else None,
        raw=json.dumps(draft, indent=2, ensure_ascii=False),
    )


def _ticks(total_ms: int) -> list[tuple[float, str]]:
    seconds = total_ms / 1000
    step = next((s for s in (0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300) if seconds / s <= 10), 600)
    out, at = [], 0.0
    while at <= seconds + 1e-9:
        out.append((round(at * 1000 / total_ms * 100, 3), f"{at:g}s"))
        at += step
    return out


def _lane(track: dict[str, Any], total: int) -> LaneView:
    tt = track.get("tt")
    kind = TRACK_TYPES.get(tt, "other") if isinstance(tt, int) else "other"
    lane = LaneView(kind=kind, tt=tt, name=str(track.get("n") or kind.title()))
    for seg in track.get("sg") or []:
        if isinstance(seg, dict):
            lane.segments.append(_segment(kind, seg, total))
    return lane


def _segment(kind: str, seg: dict[str, Any], total: int) -> SegmentView:
    start, duration = _int(seg.get("s")), _int(seg.get("d"))
    detail = [f"{_seconds(start)}-{_seconds(start + duration)}"]
    role = seg.get("k") if kind == "text" and isinstance(seg.get("k"), str) else None
    if kind == "text":
        label = str(seg.get("tx") or seg.get("n") or "")
        if role:
            detail.append(role)
        if seg.get("pos"):
            detail.append(str(seg["pos"]))
    else:
        label = str(seg.get("n") or source_name(seg.get("src")) or "segment")
        if kind == "audio" and isinstance(seg.get("vol"), int | float):
            detail.append(f"vol {round(seg['vol'] * 100)}%")
        if seg.get("so"):
            detail.append(f"from {_seconds(_int(seg['so']))}")
        if seg.get("sp") not in (None, 1, 1.0):
            detail.append(f"speed {seg['sp']}")
        if isinstance(seg.get("fx"), list) and seg["fx"]:
            detail.append("fx " + ",".join(str(f) for f in seg["fx"]))
    for key, name in (("fi", "fade in"), ("fo", "fade out")):
        if seg.get(key):
            detail.append(f"{name} {_seconds(_int(seg[key]))}")
    transition = seg.get("tr")
    if isinstance(transition, dict) and transition.get("k"):
        detail.append(f"{transition['k']} {_seconds(_int(transition.get('d')))}")
    color = seg.get("color") if isinstance(seg.get("color"), str) else None
    return SegmentView(
        start_ms=start,
        duration_ms=duration,
        left=round(start / total * 100, 3),
        width=round(max(duration / total * 100, 0.4), 3),
        label=label,
        detail=detail,
        tooltip=json.dumps(seg, ensure_ascii=False),
        role=role,
        color=color,
    )
