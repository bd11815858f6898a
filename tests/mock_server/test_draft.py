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


# --- the extension keys (contracts/draft-extensions.md)


def test_kept_closes_gaps_and_moves_source_offsets() -> None:
    d = drafts.kept(full_draft(), [(0, 2000), (5000, 10_000)])
    (video, bgm, title) = d["t"]
    assert [(s["s"], s["d"], s["so"]) for s in video["sg"]] == [(0, 2000, 0), (2000, 5000, 5000)]
    assert sum(s["d"] for s in bgm["sg"]) == 7000 and d["d"] == 7000
    assert title["sg"][0]["s"] == 0
    later = drafts.kept(full_draft(), [(4000, 10_000)])  # the title (0-3 s) stays at the start
    assert later["t"][2]["sg"][0]["s"] == 0 and later["t"][0]["sg"][0]["so"] == 4000


def test_extended_loops_picture_and_music() -> None:
    d = drafts.extended(full_draft(), 15_000, "v_loop")
    video = d["t"][0]["sg"]
    assert [(s["s"], s["d"]) for s in video] == [(0, 10_000), (10_000, 10_000), (20_000, 5000)]
    assert all(s["tr"]["k"] == "crossfade" for s in video[1:]) and d["d"] == 25_000
    assert sum(s["d"] for s in d["t"][1]["sg"]) == 25_000


def test_speed_divides_the_length_and_scales_timed_text() -> None:
    d = drafts.with_subtitles(full_draft(), [(0, 5000, "a"), (5000, 5000, "b")], ["c1", "c2"])
    fast = drafts.with_speed(d, 2)
    assert fast["t"][0]["sg"][0]["sp"] == 2 and fast["d"] == 5000
    subs = next(t for t in fast["t"] if t["n"] == "Subtitles")["sg"]
    assert [(c["s"], c["d"]) for c in subs] == [(0, 2500), (2500, 2500)]
    slow = drafts.with_speed(full_draft(), 0.5)
    assert slow["d"] == 20_000 and sum(s["d"] for s in slow["t"][1]["sg"]) == 20_000
    assert drafts.with_speed(full_draft(), 100)["t"][0]["sg"][0]["sp"] == 4  # clamped


def test_filters_fades_transitions_text_roles() -> None:
    d = drafts.with_fx(drafts.with_fx(full_draft(), ["warm", "vignette"]), ["cool"])
    assert d["t"][0]["sg"][0]["fx"] == ["vignette", "cool"]  # cool replaced warm
    assert "fx" not in drafts.without_fx(d)["t"][0]["sg"][0]
    faded = drafts.with_fades(full_draft(), 1000, 2000, audio=True)
    assert (faded["t"][0]["sg"][0]["fi"], faded["t"][0]["sg"][0]["fo"]) == (1000, 2000)
    assert faded["t"][1]["sg"][0]["fo"] == 2000
    two = drafts.kept(full_draft(), [(0, 3000), (6000, 10_000)])
    assert drafts.with_transitions(two, "wipe", 800)["t"][0]["sg"][1]["tr"] == {
        "k": "wipe",
        "d": 800,
    }
    over = drafts.with_overlay(full_draft(), "o1", "SALE", start=8000, duration=5000)
    (text,) = [t for t in over["t"] if t["n"] == "Text"]
    assert (text["sg"][0]["s"], text["sg"][0]["d"], text["sg"][0]["k"]) == (8000, 2000, "overlay")
    assert [t["n"] for t in drafts.without_text(over, ("overlay",))["t"]] == [
        "Video",
        "BGM",
        "Title",
    ]
    assert [t["tt"] for t in drafts.without_text(over)["t"]] == [0, 1]
    assert 'Text: "SALE" (8-10s)' in drafts.summary(over)
    assert drafts.without_bgm(full_draft())["t"][1]["tt"] == 7
    assert drafts.with_volume(full_draft(), 0.8)["t"][1]["sg"][0]["vol"] == 0.8


def test_json_copy_is_a_deep_copy_of_json_data() -> None:
    d = full_draft()
    d["m"]["extra"] = {"flags": [True, None, 1.5, "x"], "tuple": ([1], 2)}
    copied = drafts.json_copy(d)
    assert copied == d == copy.deepcopy(d)
    copied["t"][0]["sg"][0]["n"] = "changed"
    copied["m"]["extra"]["flags"].append(0)
    copied["m"]["extra"]["tuple"][0].append(9)  # not JSON: deep-copied the standard way
    assert d["t"][0]["sg"][0]["n"] == "city timelapse"
    assert d["m"]["extra"] == {"flags": [True, None, 1.5, "x"], "tuple": ([1], 2)}
