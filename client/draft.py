"""The NemoVideo draft (timeline) in its short-key wire form, typed.

Documented keys: `t` tracks, `tt` track type (0 video, 1 audio/BGM, 7 text), `sg`
segments, `d` duration in ms, `m` metadata (`title`, `width`, `height`). Segment keys are
undocumented; the fake uses: `id`, `s` start ms, `d` duration ms, `src` media URL or
sandbox path, `n` label, `so` source offset ms, `vol` volume 0..1, `tx` text, `pos`
text position (top|center|bottom), `size` font size px, `color` "#rrggbb". Unknown keys
are kept on round-trip, so drafts from the live API survive parse → dump unchanged.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

VIDEO, AUDIO, TEXT = 0, 1, 7
TRACK_KINDS = {VIDEO: "Video", AUDIO: "BGM", TEXT: "Title"}


class Segment(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    id: str | None = None
    s: int = Field(0, ge=0, description="start on the timeline, ms")
    d: int = Field(0, ge=0, description="duration, ms")
    src: str | None = None
    n: str | None = None
    so: int = Field(0, ge=0, description="offset into the source, ms")
    vol: float | None = Field(None, ge=0, le=1)
    tx: str | None = None
    pos: str | None = None
    size: int | None = Field(None, gt=0)
    color: str | None = None

    @property
    def end(self) -> int:
        return self.s + self.d


class Track(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    id: str | None = None
    tt: int = VIDEO
    n: str | None = None
    sg: list[Segment] = Field(default_factory=list)

    @property
    def kind(self) -> str:
        return TRACK_KINDS.get(self.tt, f"Track type {self.tt}")

    @property
    def end(self) -> int:
        return max((seg.end for seg in self.sg), default=0)

    def describe(self) -> str:
        """One line as in the timeline summary, e.g. `Title: "Urban Dreams" (0-3s)`."""
        return _describe(self) if self.sg else f"{self.kind}: {self.n or 'untitled'} (empty)"


# The fake keeps its own model of the draft (mock_server/draft.py), so the two can
# disagree and a contract test catch it: the same documented keys make a few lines alike
# (a deliberate pair for the duplicates tool; never share code between them).
class Draft(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    t: list[Track] = Field(default_factory=list)
    d: int | None = Field(None, ge=0)
    m: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def parse(cls, raw: dict[str, Any] | None) -> Draft:
        return cls.model_validate(raw or {})

    def dump(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True, by_alias=True)

    @property
    def duration_ms(self) -> int:
        return self.d if self.d is not None else max((t.end for t in self.t), default=0)

    @property
    def exportable(self) -> bool:
        """Documented: `draft.t` exists and at least one track has a non-empty `sg`."""
        return any(track.sg for track in self.t)

    def tracks_of(self, tt: int) -> list[Track]:
        return [track for track in self.t if track.tt == tt]

    def summary(self) -> str:
        """The human timeline summary of the seeds, e.g.
        `Timeline (3 tracks): 1. Video: city timelapse (0-10s) 2. BGM: Lo-fi (0-10s, 35%) ...`
        """
        parts = [f"{i}. {_describe(track)}" for i, track in enumerate(self.t, start=1) if track.sg]
        count = len(parts)
        head = f"Timeline ({count} track{'s' if count != 1 else ''})"
        return f"{head}: {' '.join(parts)}" if parts else f"{head}: empty"


def _seconds(ms: int) -> str:
    value = ms / 1000
    return f"{value:g}"


def _describe(track: Track) -> str:
    first, last = track.sg[0], track.sg[-1]
    span = f"{_seconds(first.s)}-{_seconds(last.end)}s"
    if track.tt == TEXT:
        label = f'"{first.tx or first.n or ""}"'
    else:
        label = first.n or track.n or "untitled"
    if track.tt == AUDIO and first.vol is not None:
        span += f", {round(first.vol * 100)}%"
    return f"{track.kind}: {label} ({span})"
