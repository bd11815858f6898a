"""Edit turns at the plan level: each edit lands in the draft in the short-key form of
contracts/draft-extensions.md, with the right arithmetic, and the reply says what
changed."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from mock_server.agent import TOOL_MUSIC, TurnPlan, plan_turn
from mock_server.config import FakeConfig
from tests.mock_server.agent.plans import after_generation, turn_input

LOUD = FakeConfig(silent_close_rate=0)


def edit(
    message: str, setup: str = "generate a 30-second video of a city street at night"
) -> TurnPlan:
    return plan_turn(replace(after_generation(setup), message=message, config=LOUD))


def tracks(plan: TurnPlan, tt: int) -> list[dict[str, Any]]:
    return [t for t in plan.draft_after["t"] if t["tt"] == tt]


def video(plan: TurnPlan) -> list[dict[str, Any]]:
    return list(tracks(plan, 0)[0]["sg"])


def test_trim_arithmetic() -> None:
    assert edit("keep the first 5 seconds").draft_after["d"] == 5000
    head = edit("remove the first 10 seconds")
    assert head.draft_after["d"] == 20000
    assert video(head)[0]["so"] == 10000  # the picture starts 10 s into the clip
    assert edit("remove the last 5 seconds").draft_after["d"] == 25000
    middle = edit("cut out the section between 0:05 and 0:12")
    assert middle.draft_after["d"] == 23000
    first, second = video(middle)
    assert (first["s"], first["d"], first["so"]) == (0, 5000, 0)
    assert (second["s"], second["d"], second["so"]) == (5000, 18000, 12000)
    longer = edit("extend it by 5 seconds")
    assert longer.draft_after["d"] == 35000
    assert video(longer)[-1]["tr"]["k"] == "crossfade"
    assert all(sum(s["d"] for s in t["sg"]) == 35000 for t in tracks(longer, 1))  # music loops on


def test_impossible_trims_explain_and_cost_nothing() -> None:
    plan = edit("remove the last 40 seconds")
    assert plan.kind == "chat" and plan.freeze is None and plan.changes == []
    assert "40s" in plan.steps[0].text and "30s" in plan.steps[0].text


def test_subtitles_are_timed_cues_on_their_own_track() -> None:
    plan = edit("add subtitles", setup="generate a 10-second video of a lighthouse in a storm")
    (subs,) = [t for t in tracks(plan, 7) if t["n"] == "Subtitles"]
    cues = subs["sg"]
    assert len(cues) >= 3 and all(c["k"] == "subtitle" and c["pos"] == "bottom" for c in cues)
    assert [c["s"] for c in cues] == sorted(c["s"] for c in cues)
    assert sum(c["d"] for c in cues) == plan.draft_after["d"]
    title = next(t for t in tracks(plan, 7) if t["n"] == "Title")
    assert title["sg"][0]["k"] == "title"  # the title stays what it was
    assert "subtitles" in plan.steps[-1].text and "3" in plan.steps[-1].text


def test_overlay_with_quoted_text_in_the_last_seconds() -> None:
    plan = edit("Add a text overlay that says 'Subscribe for more!' in the last 10 seconds")
    (text,) = [t for t in tracks(plan, 7) if t["n"] == "Text"]
    (seg,) = text["sg"]
    assert (seg["tx"], seg["s"], seg["d"], seg["k"]) == (
        "Subscribe for more!",
        20000,
        10000,
        "overlay",
    )
    assert '"Subscribe for more!"' in plan.steps[-1].text


def test_speed_fades_filters_and_transitions() -> None:
    fast = edit("speed it up 2x")
    assert video(fast)[0]["sp"] == 2 and fast.draft_after["d"] == 15000
    fades = edit("fade in from black and fade the music out")
    assert video(fades)[0]["fi"] == 1000 and video(fades)[-1]["fo"] == 1000
    assert tracks(fades, 1)[0]["sg"][-1]["fo"] == 1000
    graded = edit("make it black and white with a vignette")
    assert video(graded)[0]["fx"] == ["grayscale", "vignette"]
    single = edit("add a wipe transition")  # one clip: nothing to transition between
    assert video(single)[0]["fi"] and video(single)[0]["fo"]
    assert "single clip" in single.steps[-1].text


def test_transitions_between_segments() -> None:
    cut = edit("cut out the section between 0:05 and 0:12")
    after = plan_turn(
        replace(
            after_generation("generate a 30-second video of a city street at night"),
            message="add crossfade transitions",
            draft=cut.draft_after,
            config=LOUD,
        )
    )
    assert video(after)[1]["tr"] == {"k": "crossfade", "d": 800}
    assert "tr" not in video(after)[0]


def test_music_replace_remove_and_volume() -> None:
    swap = edit("replace the music with jazz")
    assert [s.tool for s in swap.steps if s.kind == "call"] == [TOOL_MUSIC]
    assert tracks(swap, 1)[0]["sg"][0]["n"] == "Jazz" and "replaced" in swap.steps[-1].text.lower()
    assert tracks(edit("remove the background music"), 1) == []
    assert tracks(edit("set the music volume to 20%"), 1)[0]["sg"][0]["vol"] == 0.2


def test_no_text_removes_every_text_track() -> None:
    plan = edit("no text overlays, no titles")
    assert tracks(plan, 7) == []
    assert plan.memory["text"] is False


def test_chinese_edit_replies_in_chinese() -> None:
    plan = edit("去掉最后5秒")
    assert plan.draft_after["d"] == 25000 and "删除了最后" in plan.steps[-1].text


def test_aspect_change_of_a_generated_video_regenerates() -> None:
    plan = edit("convert it to vertical")
    assert plan.kind == "generation" and "regenerate" in plan.steps[0].text
    assert plan.draft_after["m"]["width"] == 1080 and plan.draft_after["m"]["height"] == 1920


def test_uploaded_photos_are_assembled_when_asked_to_make_a_video_of_them() -> None:
    photos = [
        {
            "id": f"med_{i}",
            "filename": f"p{i}.jpg",
            "file_type": "image",
            "cdn_url": f"http://fake.local/media/med_{i}/p{i}.jpg",
            "source": "upload",
        }
        for i in range(3)
    ]
    plan = plan_turn(turn_input("make a slideshow from my photos", video_infos=photos, config=LOUD))
    assert plan.kind == "edit"
    segments = video(plan)
    assert [s["src"] for s in segments] == [p["cdn_url"] for p in photos]
    assert [s.get("tr", {}).get("k") for s in segments] == [None, "crossfade", "crossfade"]
    assert tracks(plan, 1) and plan.draft_after["d"] == 9000
