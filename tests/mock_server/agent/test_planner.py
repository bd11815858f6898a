"""The planner: understanding + session → the turn's steps, changes and charges; and
the seeded chances. Pure: every test builds a `TurnInput` and inspects the plan."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from client.draft import Draft
from mock_server import agent
from mock_server.agent import plan_turn, silent_close, temporary_issue
from mock_server.config import FakeConfig
from tests.mock_server.agent.plans import CLIP, T0, after_generation, turn_input

# --- chance ------------------------------------------------------------------------------


def test_silent_close_rate_over_1000_edit_turns() -> None:
    silent = sum(silent_close(7, f"{1000 + i // 10}", i % 10 + 1, 0.3) for i in range(1000))
    assert 260 <= silent <= 340, silent  # 30% ± 4%


def test_chances_are_pure_and_follow_the_rate() -> None:
    assert silent_close(1, "s", 3, 0.3) == silent_close(1, "s", 3, 0.3)
    assert not any(silent_close(1, "s", n, 0.0) for n in range(200))
    assert all(silent_close(1, "s", n, 1.0) for n in range(200))
    issues = sum(temporary_issue(3, "s", n, 0.5) for n in range(1000))
    assert 450 <= issues <= 550
    # independent draws: the two decisions are not the same coin
    same = sum(silent_close(5, "s", n, 0.5) == temporary_issue(5, "s", n, 0.5) for n in range(1000))
    assert 400 <= same <= 600


# --- plan_turn ---------------------------------------------------------------------------


def shape(plan: agent.TurnPlan) -> list[tuple[str, str]]:
    return [(s.kind, s.tool) for s in plan.steps]


def test_generation_plan() -> None:
    plan = plan_turn(turn_input("generate a 12-second video of a city timelapse at night"))
    assert plan.kind == "generation"
    assert shape(plan) == [
        ("text", ""),
        ("call", agent.TOOL_VIDEO),
        ("result", agent.TOOL_VIDEO),
        ("text", ""),
        ("call", agent.TOOL_MUSIC),
        ("result", agent.TOOL_MUSIC),
        ("call", agent.TOOL_EDIT),
        ("result", agent.TOOL_EDIT),
        ("text", ""),
    ]
    assert plan.freeze == ("generation:5529798706024415232:1", 100)
    call, result = plan.steps[1], plan.steps[2]
    assert call.payload == {
        "prompt": "city timelapse at night",
        "duration": 12.0,
        "aspect_ratio": "16:9",
        "resolution": "1080p",
    }
    assert 100 <= result.at - call.at <= 300  # generation_seconds
    for i in (4, 6):
        assert 10 <= plan.steps[i + 1].at - plan.steps[i].at <= 30  # edit_seconds
    assert plan.invocation_id.startswith("e-")
    assert all(s.call_id.startswith("af-") for s in plan.steps if s.kind != "text")
    assert [s.at for s in plan.steps] == sorted(s.at for s in plan.steps)
    # the clip lands with the generation's charge, then music, then the title
    clip_change, music_change, title_change = plan.changes
    assert clip_change.at == result.at and clip_change.charge == plan.freeze[0]
    clip = clip_change.media[0].file
    assert clip.source == "generated" and clip.file_type == "video"
    assert clip.path == Path("/data/media") / clip.media_id / "seedance_1.mp4"
    assert clip.recipe is not None
    assert clip.recipe == {
        "kind": "clip",
        "prompt": "city timelapse at night",
        "seed": clip.recipe["seed"],
        "width": 1920,
        "height": 1080,
        "seconds": 12.0,
        "fps": 24,
    }
    bgm = music_change.media[0].file
    assert bgm.path is not None and bgm.path.name == "bgm_1.m4a"
    assert bgm.recipe is not None and bgm.recipe["kind"] == "bgm" and bgm.recipe["seconds"] == 12.0
    assert title_change.media == [] and title_change.charge is None
    draft = Draft.parse(plan.draft_after)
    assert draft.exportable and [t.tt for t in draft.t] == [0, 1, 7]
    assert draft.m == {"title": "City Timelapse at Night", "width": 1920, "height": 1080}
    assert draft.summary() in plan.steps[-1].text


def test_plan_is_a_pure_function_of_its_input() -> None:
    a = plan_turn(turn_input("generate a video of waves"))
    b = plan_turn(turn_input("generate a video of waves"))
    assert a.steps == b.steps and a.invocation_id == b.invocation_id
    assert [c.media for c in a.changes] == [c.media for c in b.changes]
    other = plan_turn(turn_input("generate a video of waves", session_id="5529798706024415233"))
    assert other.invocation_id != a.invocation_id
    assert other.steps[2].at != a.steps[2].at  # its own durations too


def test_portrait_720p_generation_sets_the_canvas() -> None:
    plan = plan_turn(turn_input("generate a 720p vertical video of a waterfall"))
    clip_change = plan.changes[0]
    assert clip_change.canvas == {"width": 720, "height": 1280, "aspect_ratio": "9:16"}
    assert plan.draft_after["m"]["width"] == 720


def test_edit_plans_share_one_session_hold_charged_at_the_end() -> None:
    inp = after_generation()
    plan = plan_turn(
        replace(
            inp,
            message='add lo-fi music at 40% and a title "Urban Dreams"',
            config=FakeConfig(silent_close_rate=0),
        )
    )
    assert plan.kind == "edit"
    assert shape(plan) == [
        ("call", agent.TOOL_MUSIC),
        ("result", agent.TOOL_MUSIC),
        ("call", agent.TOOL_EDIT),
        ("result", agent.TOOL_EDIT),
        ("text", ""),
    ]
    assert plan.freeze == ("edit:5529798706024415232", 50)
    assert plan.changes[-1].at == plan.ends_at and plan.changes[-1].charge == plan.freeze[0]
    draft = Draft.parse(plan.draft_after)
    assert draft.summary() == (
        "Timeline (3 tracks): 1. Video: city timelapse (0-10s) 2. BGM: Lo-fi (0-10s, 40%) "
        '3. Title: "Urban Dreams" (0-3s)'
    )


def test_silent_edit_changes_the_state_identically() -> None:
    inp = replace(after_generation(), message="trim it to 6 seconds")
    loud = plan_turn(replace(inp, config=FakeConfig(silent_close_rate=0)))
    quiet = plan_turn(replace(inp, config=FakeConfig(silent_close_rate=1)))
    assert not loud.silent and quiet.silent
    assert [s.kind for s in quiet.steps] == ["call", "result"]
    assert [s.kind for s in loud.steps] == ["call", "result", "text"]
    assert quiet.draft_after == loud.draft_after
    assert quiet.draft_after["d"] == 6000


def test_temporary_issue_tail() -> None:
    cfg = FakeConfig(temporary_issue_rate=1, silent_close_rate=0)
    plan = plan_turn(turn_input("hello", config=cfg))
    assert [s.text for s in plan.steps][-1] == agent.TEMPORARY_ISSUE
    quiet = plan_turn(turn_input("hi", config=FakeConfig(temporary_issue_rate=1)))
    assert quiet.steps[-1].text == agent.TEMPORARY_ISSUE
    silent = plan_turn(
        replace(
            after_generation(),
            message="add music",
            config=FakeConfig(temporary_issue_rate=1, silent_close_rate=1),
        )
    )
    assert not any(s.kind == "text" for s in silent.steps)  # a silent close stays silent


def test_text_and_question_turns_are_free() -> None:
    chat = plan_turn(turn_input("hello"))
    assert chat.kind == "chat" and chat.freeze is None and chat.changes == []
    assert [s.kind for s in chat.steps] == ["text"]
    assert 5 <= chat.steps[0].at - T0 <= 15  # text_seconds
    ask = plan_turn(turn_input("make me a video"))
    assert ask.kind == "ask" and ask.freeze is None
    (step,) = ask.steps
    assert step.tool == agent.TOOL_ASK and step.long_running and "question" in step.payload
    assert ask.memory["awaiting_answer"] is True


def test_the_answer_to_a_question_is_the_prompt() -> None:
    plan = plan_turn(turn_input("a red fox in the snow", turn=2, memory={"awaiting_answer": True}))
    assert plan.kind == "generation"
    assert plan.steps[1].payload["prompt"] == "red fox in the snow"


def test_edits_without_a_video_ask_for_the_upload() -> None:
    plan = plan_turn(turn_input("add music"))
    assert plan.kind == "chat" and plan.freeze is None and plan.changes == []
    assert "MP4, MOV" in plan.steps[0].text and "Upload" in plan.steps[0].text


def test_a_longer_length_extends_the_video() -> None:
    plan = plan_turn(replace(after_generation(), message="make it 30 seconds"))
    assert plan.kind == "edit" and plan.freeze is not None
    assert plan.steps[0].payload == {"action": "extend", "extend_ms": 20000}
    assert plan.draft_after["d"] == 30000


def test_trim_without_a_number_halves() -> None:
    plan = plan_turn(replace(after_generation(), message="shorten it"))
    assert plan.steps[0].payload == {"action": "trim", "duration_ms": 5000}


def test_edit_lays_out_uploads_first() -> None:
    plan = plan_turn(
        turn_input("add music", video_infos=[CLIP], config=FakeConfig(silent_close_rate=0))
    )
    assert plan.kind == "edit"
    draft = Draft.parse(plan.draft_after)
    video, bgm = draft.t
    assert video.sg[0].src == CLIP["cdn_url"] and video.sg[0].d == 8000
    assert bgm.sg[0].d == 8000 and bgm.sg[0].vol == 0.35
    # the change itself lays out the uploads on the live draft too
    live: dict[str, Any] = {}
    for change in plan.changes:
        if change.draft:
            live = change.draft(live)
    assert live == plan.draft_after


def test_aspect_change_regenerates_a_generated_video() -> None:
    inp = replace(after_generation(), message="make it 9:16")
    plan = plan_turn(inp)
    assert plan.kind == "generation" and plan.freeze is not None and plan.freeze[1] == 100
    assert "regenerate" in plan.steps[0].text
    assert plan.steps[1].payload["prompt"] == "city timelapse"
    assert plan.changes[0].canvas == {"width": 1080, "height": 1920, "aspect_ratio": "9:16"}
    assert Draft.parse(plan.draft_after).tracks_of(7)[0].sg[0].tx == "City Timelapse"


def test_aspect_change_without_a_video_sets_the_canvas_for_free() -> None:
    plan = plan_turn(turn_input("竖屏"))
    assert plan.kind == "canvas" and plan.freeze is None
    assert plan.changes[0].canvas == {"width": 1080, "height": 1920, "aspect_ratio": "9:16"}
    assert "1080x1920" in plan.steps[0].text


def test_chinese_turns_reply_in_chinese() -> None:
    plan = plan_turn(turn_input("生成一段海边日落的视频"))
    assert plan.kind == "generation"
    assert "海边日落" in plan.steps[0].text and "生成" in plan.steps[0].text
    assert "视频已完成" in plan.steps[-1].text
