"""Human-readable differences between two session states (silent close, recovery)."""

from __future__ import annotations

from typing import Any

from .draft import Draft, Track
from .models import SessionState


def state_changed(before: SessionState | None, after: SessionState) -> bool:
    if before is None:
        return bool(after.video_infos) or after.draft.exportable
    return before.raw.get("state") != after.raw.get("state")


def describe_changes(before: SessionState | None, after: SessionState) -> list[str]:
    if before is None:
        # No baseline (the pre-turn read failed): describe what is there now.
        now = [f"timeline now: {after.draft.summary()}"] if after.draft.t else []
        return now + ([f"assets now: {len(after.video_infos)}"] if after.video_infos else [])
    changes = _draft_changes(before.draft, after.draft)
    changes += _count_change("asset", before.video_infos, after.video_infos)
    changes += _count_change("generated media item", before.generated_media, after.generated_media)
    changes += _canvas_change(before.canvas_config, after.canvas_config)
    known = {"draft", "video_infos", "generated_media", "canvas_config"}
    old_state, new_state = _state(before), _state(after)
    for key in sorted((old_state.keys() | new_state.keys()) - known):
        if old_state.get(key) != new_state.get(key):
            changes.append(f"updated {key}")
    return changes


def _draft_changes(old: Draft, new: Draft) -> list[str]:
    changes: list[str] = []
    for old_track, new_track, index in _pair_tracks(old.t, new.t):
        if old_track is None and new_track is not None:
            changes.append(f"added track {new_track.describe()}")
        elif new_track is None and old_track is not None:
            changes.append(f"removed track {old_track.describe()}")
        elif old_track is not None and new_track is not None and old_track != new_track:
            was, now = old_track.describe(), new_track.describe()
            if was != now:
                changes.append(f"changed track {index}: {was} → {now}")
            else:
                changes.append(f"edited track {index}: {now}")
    # Only the draft's own `d`: a derived length just echoes the track changes above.
    if new.d is not None and old.d != new.d:
        changes.append(f"duration {_sec(old.duration_ms)} → {_sec(new.d)}")
    if old.m.get("title") != new.m.get("title") and new.m.get("title") is not None:
        changes.append(f'title "{new.m.get("title")}"')
    if not changes and old != new:
        changes.append("updated the draft")  # e.g. metadata the summary does not show
    return changes


def _pair_tracks(
    old: list[Track], new: list[Track]
) -> list[tuple[Track | None, Track | None, int]]:
    """Pair by track `id` when every track has one, else by position."""
    pairs: list[tuple[Track | None, Track | None, int]] = []
    if all(t.id for t in old) and all(t.id for t in new):
        old_by_id = {t.id: t for t in old}
        new_ids = {t.id for t in new}
        for index, track in enumerate(new, start=1):
            pairs.append((old_by_id.get(track.id), track, index))
        pairs += [(t, None, i) for i, t in enumerate(old, start=1) if t.id not in new_ids]
        return pairs
    for index in range(max(len(old), len(new))):
        pairs.append(
            (
                old[index] if index < len(old) else None,
                new[index] if index < len(new) else None,
                index + 1,
            )
        )
    return pairs


def _count_change(noun: str, old: Any, new: Any) -> list[str]:
    before, after = _size(old), _size(new)
    if after > before:
        n = after - before
        return [f"added {n} {noun}{'s' if n != 1 else ''}"]
    if after < before:
        n = before - after
        return [f"removed {n} {noun}{'s' if n != 1 else ''}"]
    if old != new and after:
        return [f"updated {noun}s"]
    return []


def _canvas_change(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    if old == new:
        return []
    size = _canvas_size(new)
    return [f"canvas {_canvas_size(old) or '?'} → {size}" if size else "canvas changed"]


def _canvas_size(canvas: dict[str, Any]) -> str | None:
    width, height = canvas.get("width"), canvas.get("height")
    return f"{width}x{height}" if width and height else None


def _size(value: Any) -> int:
    return len(value) if isinstance(value, list | dict) else 0


def _state(state: SessionState) -> dict[str, Any]:
    inner = state.raw.get("state")
    return inner if isinstance(inner, dict) else {}


def _sec(ms: int) -> str:
    return f"{ms / 1000:g}s"
