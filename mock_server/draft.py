"""The draft (timeline) as the fake sees it: its own typed model (what a render
accepts, what the renderer draws), plus the pure builders the fake agent edits drafts with.

The shape is `contracts/draft.schema.json`. The client keeps its own model of it
(`client/draft.py`): a fake that shared the client's model could never disagree with
it, so a mistake in it would be invisible to every contract test. Every
builder here takes a draft dict in its short-key wire form (`t`/`tt`/`sg`/`d`/`m`) and
returns a new dict (the input is never mutated), so the agent can simulate a turn on a
copy at plan time and apply the very same edits to the live session when they land.

Track layout the fake writes: one video track (`tt` 0), one BGM track (`tt` 1, with
`vol`), then text tracks (`tt` 7) by role: "Title" (`k` title), "Subtitles" (`k`
subtitle, timed cues) and "Text" (`k` overlay); other tracks are kept. Segment keys are
those of `contracts/draft-extensions.md` (`sp` speed, `fx` filters, `fi`/`fo` fades,
`tr` transition, `k` text role).
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
    "extended",
    "has_video",
    "kept",
    "summary",
    "text_role",
    "text_segments",
    "trimmed",
    "with_bgm",
    "with_canvas",
    "with_fades",
    "with_fx",
    "with_overlay",
    "with_speed",
    "with_subtitles",
    "with_title",
    "with_transitions",
    "with_video",
    "with_volume",
    "without_bgm",
    "without_fx",
    "without_text",
]

VIDEO, AUDIO, TEXT = 0, 1, 7
TRACK_KINDS = {VIDEO: "Video", AUDIO: "BGM", TEXT: "Title"}
TRACK_IDS = {VIDEO: "track_video", AUDIO: "track_bgm", TEXT: "track_title"}
# Text tracks by role (`k`): track id and name.
TEXT_TRACKS = {
    "title": ("track_title", "Title"),
    "subtitle": ("track_subtitles", "Subtitles"),
    "overlay": ("track_text", "Text"),
}
SPEED_RANGE = (0.25, 4.0)
FILTER_OPPOSITES = {
    "warm": "cool",
    "cool": "warm",
    "bright": "dark",
    "dark": "bright",
    "grayscale": "vivid",
    "vivid": "grayscale",
}
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
    """The seeds' timeline summary: `Timeline (3 tracks): 1. Video: ... 2. BGM: ...`;
    subtitle and overlay tracks are named by role, a picture's speed and filters shown."""
    lines = [_line(track) for track in Draft.parse(draft).t if track.sg]
    head = f"Timeline ({len(lines)} track{'' if len(lines) == 1 else 's'})"
    if not lines:
        return f"{head}: empty"
    return f"{head}: " + " ".join(f"{i}. {line}" for i, line in enumerate(lines, start=1))


def _line(track: Track) -> str:
    """`Video: city timelapse (0-10s)`, `BGM: Lo-fi (0-10s, 35%)`, `Title: "Urban" (0-3s)`,
    `Subtitles: "A lighthouse" (0-10s) [4 cues]`, `Video: sea (0-5s) [2x] [grayscale]`."""
    head, tail = track.sg[0], track.sg[-1]
    kind = TRACK_KINDS.get(track.tt, f"Track type {track.tt}")
    if track.tt == TEXT:
        if head.k in ("subtitle", "overlay"):
            kind = TEXT_TRACKS[head.k][1]
        name = '"' + (head.tx or head.n or "") + '"'
    else:
        name = head.n or track.n or "untitled"
    span = f"{head.s / 1000:g}-{tail.end / 1000:g}s"
    if track.tt == AUDIO and head.vol is not None:
        span = f"{span}, {round(head.vol * 100)}%"
    line = f"{kind}: {name} ({span})"
    if track.tt == TEXT and len(track.sg) > 1:
        line += f" [{len(track.sg)} cues]"
    if track.tt == VIDEO and head.sp != 1:
        line += f" [{head.sp:g}x]"
    if track.tt == VIDEO and head.fx:
        line += f" [{', '.join(head.fx)}]"
    return line


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
    for text_track in _tracks(out, TEXT):
        text_track["sg"] = _clip_segments(text_track["sg"], total)
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
        "k": "title",
    }
    _put_text_track(out, "title", [segment])
    meta["title"] = text
    out["d"] = max(total, d)
    return _ordered(out)


def text_segments(draft: DraftDict, role: str) -> list[dict[str, Any]]:
    track = _text_track(_copy(draft), role)
    return list(track["sg"]) if track else []


def with_subtitles(
    draft: DraftDict,
    cues: list[tuple[int, int, str]],
    seg_ids: list[str],
    *,
    color: str = "#ffffff",
    size: int | None = None,
) -> DraftDict:
    """Replace the subtitle track with timed cues `(start ms, duration ms, text)`, at the bottom."""
    out = _copy(draft)
    px = size or _text_size(out, 0.05)
    segments = [
        {
            "id": seg_id,
            "s": s,
            "d": d,
            "tx": text,
            "pos": "bottom",
            "size": px,
            "color": color,
            "k": "subtitle",
        }
        for seg_id, (s, d, text) in zip(seg_ids, cues, strict=True)
    ]
    _put_text_track(out, "subtitle", segments)
    return _ordered(out)


def with_overlay(
    draft: DraftDict,
    seg_id: str,
    text: str,
    *,
    start: int,
    duration: int,
    pos: str = "top",
    color: str = "#ffffff",
    size: int | None = None,
) -> DraftDict:
    """Add one overlay of user text on the "Text" track (other overlays are kept)."""
    out = _copy(draft)
    total = _length(out)
    start = max(0, min(start, max(0, total - 1)))
    duration = max(1, min(duration, total - start)) if total else duration
    segment = {
        "id": seg_id,
        "s": start,
        "d": duration,
        "tx": text,
        "pos": pos,
        "size": size or _text_size(out, 0.06),
        "color": color,
        "k": "overlay",
    }
    existing = _text_track(out, "overlay")
    _put_text_track(out, "overlay", [*(existing["sg"] if existing else []), segment])
    return _ordered(out)


def without_text(draft: DraftDict, roles: tuple[str, ...] = ()) -> DraftDict:
    """Drop the text tracks of these roles (all text when `roles` is empty)."""
    out = _copy(draft)
    out["t"] = [t for t in out["t"] if t.get("tt") != TEXT or (roles and text_role(t) not in roles)]
    return out


def without_bgm(draft: DraftDict) -> DraftDict:
    out = _copy(draft)
    out["t"] = [t for t in out["t"] if t.get("tt") != AUDIO]
    return out


def with_volume(draft: DraftDict, volume: float) -> DraftDict:
    out = _copy(draft)
    vol = round(min(1.0, max(0.0, volume)), 2)
    for track in _tracks(out, AUDIO):
        for seg in track["sg"]:
            seg["vol"] = vol
    return out


def kept(draft: DraftDict, ranges: list[tuple[int, int]]) -> DraftDict:
    """Keep the timeline's `ranges` (ms, in order) and close the gaps: each piece of a
    video or audio segment keeps its place in the source (`so` moves by the cut times
    the speed). A title that started the video stays at its start."""
    out = _copy(draft)
    total = _length(out)
    spans = [(max(0, a), min(total, b)) for a, b in ranges if min(total, b) > max(0, a)]
    for track in out["t"]:
        titles = track.get("tt") == TEXT and text_role(track) == "title"
        pieces: list[dict[str, Any]] = []
        offset = 0
        for a, b in spans:
            for seg in track.get("sg") or []:
                s, e = int(seg.get("s", 0)), int(seg.get("s", 0)) + int(seg.get("d", 0))
                lo, hi = max(s, a), min(e, b)
                if hi <= lo:
                    continue
                piece = {**seg, "s": offset + (lo - a), "d": hi - lo}
                if "so" in seg or track.get("tt") in (VIDEO, AUDIO):
                    piece["so"] = int(seg.get("so", 0)) + round((lo - s) * float(seg.get("sp", 1)))
                if lo > s:
                    piece.pop("tr", None)
                    piece.pop("fi", None)
                if hi < e:
                    piece.pop("fo", None)
                if pieces and track.get("tt") != TEXT:
                    piece["id"] = f"{seg.get('id', 'seg')}_{len(pieces)}"
                pieces.append(piece)
            offset += b - a
        if titles and not pieces and track.get("sg"):
            first = track["sg"][0]
            pieces = [{**first, "s": 0, "d": min(int(first.get("d", 0)), offset)}]
        track["sg"] = pieces
    out["t"] = [t for t in out["t"] if t["sg"] or t.get("tt") == VIDEO]
    out["d"] = sum(b - a for a, b in spans)
    return out


def trimmed(draft: DraftDict, length_ms: int) -> DraftDict:
    """Keep the first `length_ms` (segments past it go, the ones across it end there)."""
    return kept(draft, [(0, length_ms)])


def extended(draft: DraftDict, extra_ms: int, seg_id: str, transition_ms: int = 500) -> DraftDict:
    """Lengthen the video by `extra_ms`: the picture loops from its first segment's start
    (a crossfade hides the seam) and the music loops with it."""
    out = _copy(draft)
    video = _track(out, VIDEO)
    if video is None or not video["sg"] or extra_ms <= 0:
        return out
    total = _length(out)
    first, last = video["sg"][0], video["sg"][-1]
    loop = {k: v for k, v in first.items() if k not in ("fi", "fo", "tr")}
    video["sg"][-1] = {k: v for k, v in last.items() if k != "fo"}
    start, n = total, 0
    while start < total + extra_ms:  # at most the first segment's span per loop
        d = min(max(1, int(first["d"])), total + extra_ms - start)
        appended = {**loop, "id": seg_id if n == 0 else f"{seg_id}_{n}", "s": start, "d": d}
        appended["tr"] = {"k": "crossfade", "d": min(transition_ms, d)}
        video["sg"].append(appended)
        start, n = start + d, n + 1
    if last.get("fo"):
        video["sg"][-1]["fo"] = min(int(last["fo"]), int(video["sg"][-1]["d"]))
    _fill_audio(out, total + extra_ms)
    out["d"] = total + extra_ms
    return out


def with_speed(draft: DraftDict, factor: float) -> DraftDict:
    """Play the picture `factor` times as fast (`sp` multiplies; the timeline length
    divides); timed text follows the picture, the title stays at the start."""
    out = _copy(draft)
    video = _track(out, VIDEO)
    if video is None or not video["sg"]:
        return out
    start = 0
    changed: list[dict[str, Any]] = []
    for seg in video["sg"]:
        old = float(seg.get("sp", 1))
        new = min(SPEED_RANGE[1], max(SPEED_RANGE[0], old * factor))
        d = max(1, round(int(seg["d"]) * old / new))
        changed.append({**seg, "s": start, "d": d, "sp": round(new, 4)})
        start += d
    old_total = _length(out)
    video["sg"] = changed
    ratio = start / old_total if old_total else 1
    for track in _tracks(out, TEXT):
        if text_role(track) == "title":
            track["sg"] = _clip_segments(track["sg"], start)
        else:
            track["sg"] = [
                {
                    **seg,
                    "s": round(int(seg["s"]) * ratio),
                    "d": max(1, round(int(seg["d"]) * ratio)),
                }
                for seg in track["sg"]
            ]
    _fill_audio(out, start)
    out["d"] = start
    return out


def with_fx(draft: DraftDict, names: list[str]) -> DraftDict:
    """Add filters to every video segment (in order, once each; a new filter replaces
    its opposite: warm/cool, bright/dark, grayscale/vivid)."""
    out = _copy(draft)
    for track in _tracks(out, VIDEO):
        for seg in track["sg"]:
            current = [
                f for f in seg.get("fx") or [] if f not in {FILTER_OPPOSITES.get(n) for n in names}
            ]
            seg["fx"] = current + [n for n in names if n not in current]
    return out


def without_fx(draft: DraftDict) -> DraftDict:
    out = _copy(draft)
    for track in _tracks(out, VIDEO):
        for seg in track["sg"]:
            seg.pop("fx", None)
    return out


def with_fades(
    draft: DraftDict, fade_in: int | None, fade_out: int | None, audio: bool = False
) -> DraftDict:
    """Fade the picture in from / out to black at the ends (and the music, if `audio`)."""
    out = _copy(draft)
    kinds = (VIDEO, AUDIO) if audio else (VIDEO,)
    for tt in kinds:
        for track in _tracks(out, tt):
            if not track["sg"]:
                continue
            if fade_in:
                track["sg"][0]["fi"] = min(fade_in, int(track["sg"][0]["d"]))
            if fade_out:
                track["sg"][-1]["fo"] = min(fade_out, int(track["sg"][-1]["d"]))
    return out


def with_transitions(draft: DraftDict, kind: str, duration: int) -> DraftDict:
    """Set the transition into every video segment after the first."""
    out = _copy(draft)
    for track in _tracks(out, VIDEO):
        for seg in track["sg"][1:]:
            seg["tr"] = {"k": kind, "d": min(duration, int(seg["d"]))}
    return out


def _fill_audio(draft: DraftDict, total: int) -> None:
    """Audio tracks end with the picture: cut at `total`, or looped from their first
    segment until they reach it."""
    for track in _tracks(draft, AUDIO):
        if not track["sg"]:
            continue
        segs = _clip_segments(track["sg"], total)
        first = track["sg"][0]
        span = max(1, int(first["d"]))
        end = max((int(s["s"]) + int(s["d"]) for s in segs), default=0)
        n = 1
        while end < total:
            d = min(span, total - end)
            segs.append({**first, "id": f"{first.get('id', 'bgm')}_loop{n}", "s": end, "d": d})
            end += d
            n += 1
        track["sg"] = segs


def _text_size(draft: DraftDict, share: float) -> int:
    meta = draft.get("m") or {}
    short_side = min(int(meta.get("width") or 1920), int(meta.get("height") or 1080))
    return max(12, round(short_side * share))


def with_canvas(draft: DraftDict, width: int, height: int) -> DraftDict:
    out = _copy(draft)
    meta = out.setdefault("m", {})
    meta["width"], meta["height"] = width, height
    return out


# --- helpers


def _copy(draft: DraftDict | None) -> DraftDict:
    out = json_copy(draft) if draft else {}
    out.setdefault("t", [])
    out.setdefault("m", {})
    return out


_ATOMS = frozenset((str, int, float, bool, type(None)))


def json_copy(value: Any) -> Any:
    """A deep copy of JSON data (dicts, lists, strings, numbers, booleans, None) several
    times faster than `copy.deepcopy` (no memo: a draft is a tree, as parsed from JSON);
    anything else is deep-copied the standard way."""
    kind = type(value)
    if kind in _ATOMS:
        return value
    if kind is dict:
        return {key: json_copy(item) for key, item in value.items()}
    if kind is list:
        return [json_copy(item) for item in value]
    return copy.deepcopy(value)


def _track(draft: DraftDict, tt: int) -> dict[str, Any] | None:
    return next((t for t in draft["t"] if t.get("tt") == tt), None)


def _tracks(draft: DraftDict, tt: int) -> list[dict[str, Any]]:
    return [t for t in draft["t"] if t.get("tt") == tt]


def text_role(track: dict[str, Any]) -> str:
    """A text track's role: its segments' `k`, else by its name (legacy drafts: title)."""
    for seg in track.get("sg") or []:
        if seg.get("k"):
            return str(seg["k"])
    by_name = {name: role for role, (_id, name) in TEXT_TRACKS.items()}
    return by_name.get(str(track.get("n")), "title")


def _text_track(draft: DraftDict, role: str) -> dict[str, Any] | None:
    return next((t for t in _tracks(draft, TEXT) if text_role(t) == role), None)


def _put_text_track(draft: DraftDict, role: str, segments: list[dict[str, Any]]) -> None:
    track = _text_track(draft, role)
    if track is None:
        track_id, name = TEXT_TRACKS[role]
        track = {"id": track_id, "tt": TEXT, "n": name, "sg": []}
        draft["t"].append(track)
    track["sg"] = segments


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
