"""mock_server.draft: the fake's own draft model and the agent's pure draft builders."""

from __future__ import annotations

import copy
from typing import Any

from mock_server import draft as drafts

SEED_SUMMARY = (
    "Timeline (3 tracks): 1. Video: city timelapse (0-10s) 2. BGM: Lo-fi (0-10s, 35%) "
    '3. Title: "Urban Dreams" (0-3s)'
)


def full_draft() -> dict[str, Any]:
    d = drafts.empty_draft("Urban Dreams", 1920, 1080)
    d = drafts.with_video(
        d, [drafts.video_segment("v1", "http://x/media/m/a.mp4", "city timelapse", 10_000)]
    )
    d = drafts.with_bgm(d, "b1", "http://x/media/m/b.m4a", "Lo-fi")
    return drafts.with_title(d, "t1", "Urban Dreams")


def test_builders_reproduce_the_seed_timeline() -> None:
    d = full_draft()
    parsed = drafts.Draft.parse(d)
    assert drafts.summary(d) == SEED_SUMMARY
    assert parsed.exportable and drafts.has_video(d)
    assert parsed.m == {"title": "Urban Dreams", "width": 1920, "height": 1080}
    assert d["d"] == 10_000 == drafts.duration_ms(d)
    assert [t["tt"] for t in d["t"]] == [0, 1, 7]
    title = d["t"][2]["sg"][0]
    assert title["tx"] == "Urban Dreams" and title["pos"] == "center" and title["size"] == 76
    assert parsed.model_dump(exclude_unset=True) == d  # survives the typed model unchanged


def test_builders_never_mutate_their_input() -> None:
    d = full_draft()
    before = copy.deepcopy(d)
    drafts.trimmed(d, 4000)
    drafts.with_bgm(d, "b2", "u", "Jazz", 0.9)
    drafts.with_title(d, "t2", "Other")
    drafts.with_video(d, [drafts.video_segment("v2", "u", "n", 5000)])
    drafts.with_canvas(d, 1080, 1920)
    assert d == before


def test_trim_cuts_every_track() -> None:
    d = drafts.trimmed(full_draft(), 6000)
    assert drafts.summary(d) == (
        "Timeline (3 tracks): 1. Video: city timelapse (0-6s) 2. BGM: Lo-fi (0-6s, 35%) "
        '3. Title: "Urban Dreams" (0-3s)'
    )
    assert d["d"] == 6000
    short = drafts.trimmed(full_draft(), 2000)
    assert short["t"][2]["sg"][0]["d"] == 2000
    assert drafts.trimmed(drafts.empty_draft("x", 1, 1), 1000)["d"] == 0


def test_new_video_stretches_music_and_clips_the_title() -> None:
    d = drafts.with_video(full_draft(), [drafts.video_segment("v9", "u", "short", 2000)])
    assert d["d"] == 2000
    assert d["t"][1]["sg"][0]["d"] == 2000  # BGM follows the picture
    assert d["t"][2]["sg"][0]["d"] == 2000  # the title fits inside it
    two = drafts.with_video(
        d, [drafts.video_segment("a", "u", "a", 3000), drafts.video_segment("b", "u", "b", 4000)]
    )
    assert [(s["s"], s["d"]) for s in two["t"][0]["sg"]] == [(0, 3000), (3000, 4000)]
    assert two["d"] == 7000


def test_volume_is_clamped_and_other_tracks_are_kept() -> None:
    d = full_draft()
    d["t"].append({"id": "fx", "tt": 9, "sg": [{"s": 0, "d": 100}]})
    d = drafts.with_bgm(d, "b", "u", "Rock", 1.7)
    assert d["t"][1]["sg"][0]["vol"] == 1.0
    assert d["t"][-1]["id"] == "fx"


def test_canvas_and_title_sizing() -> None:
    d = drafts.with_canvas(full_draft(), 1080, 1920)
    assert d["m"]["width"] == 1080 and d["m"]["height"] == 1920
    portrait = drafts.with_title(d, "t", "Tall")
    assert portrait["t"][2]["sg"][0]["size"] == 76 and portrait["m"]["title"] == "Tall"
    assert drafts.with_canvas({}, 1, 1)["m"] == {"width": 1, "height": 1}
