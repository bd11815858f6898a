"""The draft (timeline) as the fake sees it: its own typed model (what a render
accepts, what the renderer draws), plus the pure builders the fake agent edits drafts with.

The shape is `contracts/draft.schema.json`. The client keeps its own model of it
(`client/draft.py`): a fake that shared the client's model could never disagree with
it, so a mistake in it would be invisible to every contract test. Every
builder here takes a draft dict in its short-key wire form (`t`/`tt`/`sg`/`d`/`m`) and
returns a new dict (the input is never mutated), so the agent can simulate a turn on a
copy at plan time and apply the very same edits to the live session when they land.

Track layout the fake writes: one video track (`tt` 0), one BGM track (`tt` 1, with
`vol`), one title track (`tt` 7, with `tx`), in that order; other tracks are kept.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AUDIO",
    "DEFAULT_BGM_VOLUME",
    "TEXT",
    "TITLE_MS",
    "TRACK_IDS",
    "TRACK_KINDS",
    "VIDEO",
    "Draft",
    "Segment",
    "Track",
    "duration_ms",
    "empty_draft",
    "has_video",
    "summary",
    "trimmed",
    "with_bgm",
    "with_canvas",
    "with_title",
    "with_video",
]

VIDEO, AUDIO, TEXT = 0, 1, 7
TRACK_KINDS = {VIDEO: "Video", AUDIO: "BGM", TEXT: "Title"}
TRACK_IDS = {VIDEO: "track_video", AUDIO: "track_bgm", TEXT: "track_title"}
TRACK_ORDER = (VIDEO, AUDIO, TEXT)
DEFAULT_BGM_VOLUME = 0.35
TITLE_MS = 3000  # the seeds' example title spans 0-3s

DraftDict = dict[str, Any]
Filter = Literal[
    "grayscale", "sepia", "warm", "cool", "vintage", "vivid", "bright", "dark",
    "contrast", "soft", "sharpen", "vignette", "denoise", "cinematic",
]  # fmt: skip
_KEEP_UNKNOWN = ConfigDict(extra="allow")  # drafts from the live API survive unchanged


class Transition(BaseModel):
    model_config = _KEEP_UNKNOWN
    k: Literal["crossfade", "fade", "wipe", "slide", "zoom"]
    d: int = Field(0, ge=0)


class Segment(BaseModel):
    """One segment; which keys matter depends on its track (contracts/draft-extensions.md)."""

    model_config = _KEEP_UNKNOWN
    id: str | None = None
    s: int = Field(0, ge=0)  # timeline start, ms
    d: int = Field(0, ge=0)  # timeline duration, ms
    n: str | None = None
    # video and audio
    src: str | None = None
    so: int = Field(0, ge=0)  # source offset, ms
    sp: float = Field(1.0, ge=0.25, le=4)
    fx: list[Filter] = Field(default_factory=list)
    fi: int = Field(0, ge=0)
    fo: int = Field(0, ge=0)
    tr: Transition | None = None
    vol: float | None = Field(None, ge=0, le=1)
    # text
    tx: str | None = None
    pos: str | None = None
    size: int | None = Field(None, gt=0)
    color: str | None = None
    k: Literal["title", "subtitle", "overlay"] | None = None

    @property
    def end(self) -> int:
        return self.s + self.d


class Track(BaseModel):
    model_config = _KEEP_UNKNOWN
    id: str | None = None
    tt: int = VIDEO
    n: str | None = None
    sg: list[Segment] = Field(default_factory=list)

    @property
    def end(self) -> int:
        return max((seg.end for seg in self.sg), default=0)


class Draft(BaseModel):
    # Deliberately a second model of the draft beside client/draft.py (same documented
    # keys, so some lines alike): see the module's docstring.
    model_config = _KEEP_UNKNOWN
    t: list[Track] = Field(default_factory=list)
    d: int | None = Field(None, ge=0)
    m: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def parse(cls, raw: DraftDict | None) -> Draft:
        return cls.model_validate(raw or {})

    @property
    def duration_ms(self) -> int:
        return self.d if self.d is not None else max((t.end for t in self.t), default=0)

    @property
    def exportable(self) -> bool:
        """Documented: `draft.t` exists and at least one track has a non-empty `sg`."""
        return any(track.sg for track in self.t)

    def tracks_of(self, tt: int) -> list[Track]:
        return [track for track in self.t if track.tt == tt]


def empty_draft(title: str, width: int, height: int) -> DraftDict:
    return {"t": [], "d": 0, "m": {"title": title, "width": width, "height": height}}


def duration_ms(draft: DraftDict) -> int:
    return Draft.parse(draft).duration_ms


def has_video(draft: DraftDict) -> bool:
    return any(t.get("tt") == VIDEO and t.get("sg") for t in draft.get("t") or [])


def summary(draft: DraftDict) -> str:
    """The seeds' timeline summary: `Timeline (3 tracks): 1. Video: ... 2. BGM: ...`."""
    lines = [_line(track) for track in Draft.parse(draft).t if track.sg]
    head = f"Timeline ({len(lines)} track{'' if len(lines) == 1 else 's'})"
    if not lines:
        return f"{head}: empty"
    return f"{head}: " + " ".join(f"{i}. {line}" for i, line in enumerate(lines, start=1))


def _line(track: Track) -> str:
    """`Video: city timelapse (0-10s)`, `BGM: Lo-fi (0-10s, 35%)`, `Title: "Urban" (0-3s)`."""
    head, tail = track.sg[0], track.sg[-1]
    kind = TRACK_KINDS.get(track.tt, f"Track type {track.tt}")
    if track.tt == TEXT:
        name = '"' + (head.tx or head.n or "") + '"'
    else:
        name = head.n or track.n or "untitled"
    span = f"{head.s / 1000:g}-{tail.end / 1000:g}s"
    if track.tt == AUDIO and head.vol is not None:
        span = f"{span}, {round(head.vol * 100)}%"
    return f"{kind}: {name} ({span})"


def with_video(
    draft: DraftDict,
    segments: list[dict[str, Any]],
    *,
    title: str | None = None,
    width: int | None = None,
    height: int | None = None,
) -> DraftDict:
    """Replace the video track with `segments` (laid end to end from 0) and stretch or
    shorten the BGM to the new length; sets `d` and `m`."""
    out = _copy(draft)
    start = 0
    laid: list[dict[str, Any]] = []
    for seg in segments:
        placed = {**seg, "s": start}
        laid.append(placed)
        start += int(seg["d"])
    _put_track(out, VIDEO, laid)
    total = start
    bgm = _track(out, AUDIO)
    if bgm is not None and bgm["sg"]:
        bgm["sg"] = [{**bgm["sg"][0], "s": 0, "d": total}]
    title_track = _track(out, TEXT)
    if title_track is not None:
        title_track["sg"] = _clip_segments(title_track["sg"], total)
    out["d"] = total
    meta = out.setdefault("m", {})
    if title is not None:
        meta["title"] = title
    if width is not None and height is not None:
        meta["width"], meta["height"] = width, height
    return _ordered(out)


def video_segment(
    seg_id: str, src: str, name: str, duration_ms: int, source_offset_ms: int = 0
) -> dict[str, Any]:
    return {
        "id": seg_id,
        "s": 0,
        "d": int(duration_ms),
        "src": src,
        "n": name,
        "so": source_offset_ms,
    }


def with_bgm(
    draft: DraftDict, seg_id: str, src: str, name: str, volume: float = DEFAULT_BGM_VOLUME
) -> DraftDict:
    """Put one BGM segment spanning the whole timeline on the audio track (replacing it)."""
    out = _copy(draft)
    total = _length(out)
    vol = round(min(1.0, max(0.0, volume)), 2)
    _put_track(
        out, AUDIO, [{"id": seg_id, "s": 0, "d": total, "src": src, "n": name, "so": 0, "vol": vol}]
    )
    out["d"] = total
    return _ordered(out)


def with_title(
    draft: DraftDict,
    seg_id: str,
    text: str,
    *,
    duration: int = TITLE_MS,
    pos: str = "center",
    color: str = "#ffffff",
) -> DraftDict:
    """Put a title on the text track (replacing it) from 0 for `duration` ms (at most the
    timeline's length), sized for the canvas in `m`; the title also becomes `m.title`."""
    out = _copy(draft)
    total = _length(out)
    meta = out.setdefault("m", {})
    short_side = min(int(meta.get("width") or 1920), int(meta.get("height") or 1080))
    size = max(12, round(short_side * 0.07))
    d = min(duration, total) if total else duration
    segment = {
        "id": seg_id,
        "s": 0,
        "d": d,
        "so": 0,
        "tx": text,
        "pos": pos,
        "size": size,
        "color": color,
    }
    _put_track(out, TEXT, [segment])
    meta["title"] = text
    out["d"] = max(total, d)
    return _ordered(out)


def trimmed(draft: DraftDict, length_ms: int) -> DraftDict:
    """Cut every track at `length_ms` (segments past it go, the ones across it end there)."""
    out = _copy(draft)
    for track in out.get("t") or []:
        track["sg"] = _clip_segments(track.get("sg") or [], length_ms)
    out["d"] = min(_length(out), length_ms) if out.get("t") else 0
    return out


def with_canvas(draft: DraftDict, width: int, height: int) -> DraftDict:
    out = _copy(draft)
    meta = out.setdefault("m", {})
    meta["width"], meta["height"] = width, height
    return out


# --- helpers


def _copy(draft: DraftDict | None) -> DraftDict:
    out = copy.deepcopy(draft) if draft else {}
    out.setdefault("t", [])
    out.setdefault("m", {})
    return out


def _track(draft: DraftDict, tt: int) -> dict[str, Any] | None:
    return next((t for t in draft["t"] if t.get("tt") == tt), None)


def _put_track(draft: DraftDict, tt: int, segments: list[dict[str, Any]]) -> None:
    track = _track(draft, tt)
    if track is None:
        track = {"id": TRACK_IDS[tt], "tt": tt, "n": TRACK_KINDS[tt], "sg": []}
        draft["t"].append(track)
    track["sg"] = segments


def _ordered(draft: DraftDict) -> DraftDict:
    rank = {tt: i for i, tt in enumerate(TRACK_ORDER)}
    draft["t"] = sorted(draft["t"], key=lambda t: rank.get(t.get("tt"), len(rank)))
    return draft


def _length(draft: DraftDict) -> int:
    """The video track's end when there is one (titles and music follow the picture),
    else the longest track's."""
    video = _track(draft, VIDEO)
    if video is not None and video.get("sg"):
        return max(int(s.get("s", 0)) + int(s.get("d", 0)) for s in video["sg"])
    return max(
        (int(s.get("s", 0)) + int(s.get("d", 0)) for t in draft["t"] for s in t.get("sg") or []),
        default=0,
    )


def _clip_segments(segments: list[dict[str, Any]], length_ms: int) -> list[dict[str, Any]]:
    out = []
    for seg in segments:
        start = int(seg.get("s", 0))
        if start >= length_ms:
            continue
        end = start + int(seg.get("d", 0))
        out.append({**seg, "d": min(end, length_ms) - start})
    return out
