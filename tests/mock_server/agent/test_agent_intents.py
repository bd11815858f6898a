"""The fake agent's pure parts: intent parsing, the seeded chances, and turn planning."""

# ruff: noqa: RUF001  (Chinese messages use full-width punctuation)

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from client.draft import Draft
from mock_server import agent
from mock_server.agent import (
    ASK,
    ASPECT,
    CHAT,
    GENERATE,
    MUSIC,
    TEMPORARY_ISSUE,
    TITLE,
    TOOL_ASK,
    TOOL_EDIT,
    TOOL_MUSIC,
    TOOL_VIDEO,
    TRIM,
    TurnInput,
    canvas_size,
    parse_intents,
    plan_turn,
    silent_close,
    temporary_issue,
    title_from,
)
from mock_server.config import FakeConfig

# --- parse_intents -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "kinds", "expected"),
    [
        # generation, English (the seeds' examples among them)
        (
            "generate a 10-second cinematic video of a city timelapse at night",
            (GENERATE,),
            {"prompt": "city timelapse at night", "seconds": 10.0, "style": "cinematic"},
        ),
        (
            "make a video of a cat surfing at sunset",
            (GENERATE,),
            {"prompt": "cat surfing at sunset"},
        ),
        ("Generate New York skyline at dusk", (GENERATE,), {"prompt": "New York skyline at dusk"}),
        # a description of the video wanted, without a verb, asks for it too
        (
            "a 6-second video of a red fox in the snow",
            (GENERATE,),
            {"prompt": "red fox in the snow", "seconds": 6.0},
        ),
        ("cinematic clip about city lights", (GENERATE,), {"prompt": "city lights"}),
        (
            "generate a short text description like 'a sunset over a mountain lake with calm "
            "music' into a 1080p MP4",
            (GENERATE,),
            {
                "prompt": "a sunset over a mountain lake with calm music",
                "resolution": 1080,
                "music_style": "Calm",
            },
        ),
        (
            "generate a 9:16 720p anime video of a dragon flying over Tokyo with upbeat music "
            "titled 'Dragon Night'",
            (GENERATE,),
            {
                "prompt": "dragon flying over Tokyo",
                "aspect_ratio": "9:16",
                "resolution": 720,
                "style": "anime",
                "music_style": "Upbeat",
                "title": "Dragon Night",
            },
        ),
        (
            "create a 1-minute documentary clip about bees",
            (GENERATE,),
            {"prompt": "bees", "seconds": 60.0, "style": "documentary"},
        ),
        # generation, Chinese
        ("生成一段海边日落的视频", (GENERATE,), {"prompt": "海边日落", "language": "zh"}),
        (
            "帮我生成一个30秒的猫咪视频，电影感",
            (GENERATE,),
            {"prompt": "猫咪", "seconds": 30.0, "style": "cinematic", "language": "zh"},
        ),
        ("生成视频：城市夜景延时", (GENERATE,), {"prompt": "城市夜景延时"}),
        # vague → the agent asks what the video should show
        ("make me a video", (ASK,), {}),
        ("做个视频", (ASK,), {"language": "zh"}),
        ("帮我做一个视频", (ASK,), {}),
        (
            "generate a 30-second video from my text prompt with cinematic style",
            (ASK,),
            {"seconds": 30.0, "style": "cinematic"},
        ),
        # music
        ("add music", (MUSIC,), {}),
        ("add lo-fi background music at 35%", (MUSIC,), {"music_style": "Lo-fi", "volume": 0.35}),
        ("generate music", (MUSIC,), {}),
        ("make the music louder", (MUSIC,), {"volume": 0.6}),
        ("加点背景音乐", (MUSIC,), {}),
        ("配乐", (MUSIC,), {}),
        ("add BGM", (MUSIC,), {}),
        # titles and text
        ('add a title "Urban Dreams"', (TITLE,), {"title": "Urban Dreams"}),
        ("加个标题「城市之梦」", (TITLE,), {"title": "城市之梦"}),
        ("add captions", (TITLE,), {}),
        ("加字幕", (TITLE,), {}),
        ("create a title", (TITLE,), {}),
        # trim
        ("trim it to 10s", (TRIM,), {"seconds": 10.0}),
        ("make it 10 seconds", (TRIM,), {"seconds": 10.0}),
        ("shorten it", (TRIM,), {"seconds": None}),
        ("cut it to 5 sec", (TRIM,), {"seconds": 5.0}),
        ("剪到5秒", (TRIM,), {"seconds": 5.0}),
        ("时长改成8秒", (TRIM,), {"seconds": 8.0}),
        (
            "add music and a title and trim to 8 seconds",
            (TRIM, MUSIC, TITLE),
            {"seconds": 8.0},
        ),
        # aspect ratio
        ("change the aspect ratio to 9:16", (ASPECT,), {"aspect_ratio": "9:16"}),
        ("make it vertical", (ASPECT,), {"aspect_ratio": "9:16"}),
        ("改成竖屏", (ASPECT,), {"aspect_ratio": "9:16"}),
        ("横屏", (ASPECT,), {"aspect_ratio": "16:9"}),
        ("1:1 please", (ASPECT,), {"aspect_ratio": "1:1"}),
        ("make it square", (ASPECT,), {"aspect_ratio": "1:1"}),
        ("16：9", (ASPECT,), {"aspect_ratio": "16:9"}),
        # plain chat and anything else: text only, never an error
        ("hello", (CHAT,), {}),
        ("thanks!", (CHAT,), {}),
        ("what can you do?", (CHAT,), {}),
        ("", (CHAT,), {}),
        ("asdf qwerty 12:34 ☃", (CHAT,), {}),
    ],
)
def test_parse_intents(message: str, kinds: tuple[str, ...], expected: dict[str, Any]) -> None:
    intents = parse_intents(message)
    assert intents.kinds == kinds
    for key, value in expected.items():
        assert getattr(intents, key) == value, key


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("a 30-second video of x", 30.0),
        ("10s of y", 10.0),
        ("30秒", 30.0),
        ("2 minutes of z", 120.0),
        ("1.5 sec", 1.5),
        ("no number", None),
    ],
)
def test_duration_forms(text: str, seconds: float | None) -> None:
    assert parse_intents(text).seconds == seconds


def test_parse_never_raises_on_odd_input() -> None:
    for text in ["\x00", "'''", '"', "「", "9:16:1:1", "%%%", "生成" * 500, "a" * 10_000]:
        assert parse_intents(text).kinds


def test_canvas_sizes_and_titles() -> None:
    assert canvas_size("16:9", 1080) == (1920, 1080)
    assert canvas_size("9:16", 1080) == (1080, 1920)
    assert canvas_size("1:1", 720) == (720, 720)
    assert canvas_size("16:9", 480) == (854, 480)
    assert title_from("a city timelapse at night") == "City Timelapse At Night"
    assert title_from("") == "My Video"
    assert title_from("海边日落") == "海边日落"


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

T0 = 1_767_225_600.0
CONFIG = FakeConfig()
CLIP = {
    "id": "med_up",
    "filename": "beach.mp4",
    "file_type": "video",
    "cdn_url": "http://fake.local/media/med_up/beach.mp4",
    "duration": 8.0,
    "width": 1280,
    "height": 720,
    "source": "upload",
}


def turn_input(message: str, **changes: Any) -> TurnInput:
    base = TurnInput(
        seed=11,
        config=CONFIG,
        user_id="anon_0123456789abcdef",
        session_id="5529798706024415232",
        turn=1,
        started_at=T0,
        message=message,
        base_url="http://fake.local",
        data_dir=Path("/data"),
        draft={},
        canvas={"width": 1920, "height": 1080, "aspect_ratio": "16:9"},
        video_infos=[],
        memory={},
    )
    return replace(base, **changes)


def after_generation(message: str = "generate a video of a city timelapse") -> TurnInput:
    plan = plan_turn(turn_input(message))
    draft: dict[str, Any] = {}
    for change in plan.changes:
        if change.draft:
            draft = change.draft(draft)
    return turn_input("", turn=2, draft=draft, memory=plan.memory, started_at=plan.ends_at + 5)


def shape(plan: agent.TurnPlan) -> list[tuple[str, str]]:
    return [(s.kind, s.tool) for s in plan.steps]


def test_generation_plan() -> None:
    plan = plan_turn(turn_input("generate a 12-second video of a city timelapse at night"))
    assert plan.kind == "generation"
    assert shape(plan) == [
        ("text", ""),
        ("call", TOOL_VIDEO),
        ("result", TOOL_VIDEO),
        ("text", ""),
        ("call", TOOL_MUSIC),
        ("result", TOOL_MUSIC),
        ("call", TOOL_EDIT),
        ("result", TOOL_EDIT),
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
    assert draft.m == {"title": "City Timelapse At Night", "width": 1920, "height": 1080}
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
        ("call", TOOL_MUSIC),
        ("result", TOOL_MUSIC),
        ("call", TOOL_EDIT),
        ("result", TOOL_EDIT),
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
    assert [s.text for s in plan.steps][-1] == TEMPORARY_ISSUE
    quiet = plan_turn(turn_input("hi", config=FakeConfig(temporary_issue_rate=1)))
    assert quiet.steps[-1].text == TEMPORARY_ISSUE
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
    assert step.tool == TOOL_ASK and step.long_running and "question" in step.payload
    assert ask.memory["awaiting_answer"] is True


def test_the_answer_to_a_question_is_the_prompt() -> None:
    plan = plan_turn(turn_input("a red fox in the snow", turn=2, memory={"awaiting_answer": True}))
    assert plan.kind == "generation"
    assert plan.steps[1].payload["prompt"] == "red fox in the snow"


def test_edits_without_a_video_answer_in_text() -> None:
    plan = plan_turn(turn_input("add music"))
    assert plan.kind == "chat" and plan.freeze is None and "no video" in plan.steps[0].text


def test_trim_cannot_lengthen() -> None:
    plan = plan_turn(replace(after_generation(), message="make it 30 seconds"))
    assert plan.kind == "chat" and plan.freeze is None and "only shorten" in plan.steps[0].text


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
