from __future__ import annotations

from typing import Any

from client import SessionState
from client.diff import describe_changes, state_changed

from .helpers import TITLE_TRACK, VIDEO_TRACK, state_body

BGM = {"id": "t2", "tt": 1, "sg": [{"s": 0, "d": 10000, "n": "Lo-fi", "vol": 0.35}]}


def st(tracks: list[dict[str, Any]] | None = None, **state: Any) -> SessionState:
    return SessionState.from_data(state_body(tracks, **state))


def test_added_title_track_reads_like_the_docs() -> None:
    before, after = st([VIDEO_TRACK, BGM]), st([VIDEO_TRACK, BGM, TITLE_TRACK])
    assert state_changed(before, after)
    assert describe_changes(before, after) == ['added track Title: "Urban Dreams" (0-3s)']


def test_removed_and_changed_tracks_by_id() -> None:
    longer = {**VIDEO_TRACK, "sg": [{"s": 0, "d": 12000, "n": "city timelapse"}]}
    after = state_body([longer])
    after["state"]["draft"]["d"] = 12000
    changes = describe_changes(st([VIDEO_TRACK, BGM]), SessionState.from_data(after))
    assert changes == [
        "changed track 1: Video: city timelapse (0-10s) → Video: city timelapse (0-12s)",
        "removed track BGM: Lo-fi (0-10s, 35%)",
        "duration 10s → 12s",
    ]


def test_edit_invisible_in_the_summary_is_still_reported() -> None:
    recoloured = {**TITLE_TRACK, "sg": [{**TITLE_TRACK["sg"][0], "color": "#ff0000"}]}
    assert describe_changes(st([TITLE_TRACK]), st([recoloured])) == [
        'edited track 1: Title: "Urban Dreams" (0-3s)'
    ]


def test_tracks_without_ids_pair_by_position() -> None:
    a = {"tt": 0, "sg": [{"s": 0, "d": 5000, "n": "a"}]}
    b = {"tt": 0, "sg": [{"s": 0, "d": 5000, "n": "b"}]}
    empty = {"tt": 1, "n": "music", "sg": []}
    assert describe_changes(st([a]), st([b, empty])) == [
        "changed track 1: Video: a (0-5s) → Video: b (0-5s)",
        "added track BGM: music (empty)",
    ]
    assert describe_changes(st([a, b]), st([a])) == [
        "removed track Video: b (0-5s)",
    ]


def test_assets_media_canvas_title_and_other_keys() -> None:
    before = st(
        [VIDEO_TRACK],
        video_infos=[{"f": 1}],
        generated_media=[],
        canvas_config={"width": 1920, "height": 1080},
    )
    after_raw = state_body(
        [VIDEO_TRACK],
        video_infos=[{"f": 1}, {"f": 2}, {"f": 3}],
        generated_media=[{"m": 1}],
        canvas_config={"width": 1080, "height": 1920},
        video_analyses={"a": 1},
    )
    after_raw["state"]["draft"]["m"] = {"title": "My Video"}
    changes = describe_changes(before, SessionState.from_data(after_raw))
    assert changes == [
        'title "My Video"',
        "added 2 assets",
        "added 1 generated media item",
        "canvas 1920x1080 → 1080x1920",
        "updated video_analyses",
    ]


def test_removals_and_in_place_updates_of_lists() -> None:
    before = st(video_infos=[{"f": 1}, {"f": 2}], generated_media=[{"m": 1}])
    after = st(video_infos=[{"f": 1}], generated_media=[{"m": 2}], canvas_config={"fps": 30})
    assert describe_changes(before, after) == [
        "removed 1 asset",
        "updated generated media items",
        "canvas changed",
    ]


def test_canvas_from_nothing() -> None:
    assert describe_changes(st(), st(canvas_config={"width": 1, "height": 2})) == ["canvas ? → 1x2"]


def test_no_change() -> None:
    assert not state_changed(st([VIDEO_TRACK]), st([VIDEO_TRACK]))
    assert describe_changes(st([VIDEO_TRACK]), st([VIDEO_TRACK])) == []


def test_without_baseline() -> None:
    assert not state_changed(None, st())
    assert state_changed(None, st([VIDEO_TRACK]))
    assert state_changed(None, st(video_infos=[{"f": 1}]))
    assert describe_changes(None, st([VIDEO_TRACK])) == [
        "timeline now: Timeline (1 track): 1. Video: city timelapse (0-10s)"
    ]
    assert describe_changes(None, st()) == []
    assert describe_changes(None, st(video_infos=[1, 2])) == ["assets now: 2"]


def test_draft_change_outside_the_summary() -> None:
    before = state_body([VIDEO_TRACK])
    after = state_body([VIDEO_TRACK], video_analyses={"same": 1})
    before["state"]["video_analyses"] = {"same": 1}
    after["state"]["draft"]["m"] = {"fps": 30}
    assert describe_changes(SessionState.from_data(before), SessionState.from_data(after)) == [
        "updated the draft"
    ]
