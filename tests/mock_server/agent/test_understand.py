"""understand(): what a message asks for, given the session (pure, no fake)."""

# ruff: noqa: RUF001  (Chinese messages use full-width punctuation)

from __future__ import annotations

import pytest

from mock_server.agent.understand import SessionView, understand

EMPTY = SessionView()
WITH_VIDEO = SessionView(has_video=True)


@pytest.mark.parametrize(
    ("message", "session", "act"),
    [
        # a description is a generation, with or without a verb
        ("a sunset over a mountain lake with calm music", EMPTY, "generate"),
        ("5-second sunset timelapse", EMPTY, "generate"),
        ("Create a clip of a heron fishing in a misty marsh", EMPTY, "generate"),
        ("生成一段海边日落的视频", EMPTY, "generate"),
        # no subject: ask what to show
        ("make me a video", EMPTY, "ask"),
        ("generate a 30-second video from my text prompt with cinematic style", EMPTY, "ask"),
        ("做个视频", EMPTY, "ask"),
        # the user's own media, not in the session: ask for the upload
        ("add captions to my vlog", EMPTY, "upload"),
        ("merge these clips in order", WITH_VIDEO, "upload"),  # one generated clip is not "these"
        ("turn my photos into a slideshow", WITH_VIDEO, "upload"),
        ("here's the transcript, which parts should I keep?", EMPTY, "upload"),
        # ... but "my video" is the project's once there is one
        ("add captions to my video", WITH_VIDEO, "edit"),
        # questions and text deliverables are answered
        ("how do I pick music for a wedding film?", EMPTY, "answer"),
        ("give me 5 ideas for a bakery reel", EMPTY, "answer"),
        ("Write a script for a 30-second gym ad", EMPTY, "answer"),
        (
            "Can you make a video of a cat on a skateboard?",
            EMPTY,
            "generate",
        ),  # a request, not a question
        # export, balance, status
        ("export it", WITH_VIDEO, "export"),
        ("视频导出", WITH_VIDEO, "export"),
        ("余额", EMPTY, "credits"),
        ("show tracks", WITH_VIDEO, "status"),
        # edits of nothing ask for a video; an aspect ratio alone sets the canvas
        ("trim the first 10 seconds", EMPTY, "upload"),
        ("trim the first 10 seconds", WITH_VIDEO, "edit"),
        ("vertical please", EMPTY, "canvas"),
        # keyword-style messages (skill descriptions): a tool named is no subject
        ("AI video generator", EMPTY, "ask"),
        ("文字转视频", EMPTY, "ask"),
        ("image to video", EMPTY, "upload"),
        ("视频剪辑", EMPTY, "upload"),
        ("make a slideshow", EMPTY, "upload"),
        ("compress video for whatsapp", EMPTY, "upload"),
        ("render the final video", WITH_VIDEO, "export"),
        ("hello", EMPTY, "chat"),
        ("", EMPTY, "chat"),
        ("ok", EMPTY, "chat"),
    ],
)
def test_acts(message: str, session: SessionView, act: str) -> None:
    assert understand(message, session).act == act


def test_generation_parameters_come_from_the_whole_message() -> None:
    gen = understand(
        "generate a 9:16 720p anime video of a dragon over Tokyo with upbeat music titled 'Dragon Night'"
    ).generation
    assert (gen.seconds, gen.aspect_ratio, gen.resolution, gen.style) == (
        None,
        "9:16",
        720,
        "anime",
    )
    assert (gen.music_style, gen.title, gen.prompt) == (
        "Upbeat",
        "Dragon Night",
        "dragon over Tokyo",
    )
    calm = understand("a sunset over a mountain lake with calm music").generation
    assert (
        calm.music and calm.music_style == "Calm" and calm.prompt == "sunset over a mountain lake"
    )
    quiet = understand("a foggy harbour at dawn, no music, no text").generation
    assert not quiet.music and not quiet.text


def test_language_follows_the_message() -> None:
    assert understand("帮我生成一个30秒的猫咪视频，电影感").language == "zh"
    assert understand("a cat video").language == "en"


def test_awaited_answer_is_the_subject() -> None:
    u = understand("a red fox in the snow", SessionView(awaiting_answer=True))
    assert u.act == "generate" and u.generation.prompt == "red fox in the snow"


def test_never_raises_on_odd_input() -> None:
    for text in [
        "\x00",
        "'''",
        '"',
        "「",
        "9:16:1:1",
        "%%%",
        "生成" * 500,
        "a" * 10_000,
        "1:2:3 4:5",
    ]:
        assert understand(text).act


def test_readings_are_cached_per_message_and_session_and_cannot_be_changed_through() -> None:
    import importlib

    module = importlib.import_module("mock_server.agent.understand")  # the package's
    # `understand` attribute is the function

    message = "a lighthouse at dawn, 8 seconds, vertical"
    fresh = module.read(message, EMPTY)
    first = understand(message, EMPTY)
    assert first == fresh and understand(message, EMPTY) == fresh
    first.scores["question"] = 99.0  # a caller's copy: the next reading is untouched
    assert understand(message, EMPTY).scores == fresh.scores
    # the session is part of the key: an awaited answer reads the same words differently
    assert understand("make me a video", EMPTY).act == "ask"
    awaiting = SessionView(awaiting_answer=True)
    assert understand("a fox in the snow", awaiting) == module.read("a fox in the snow", awaiting)
    hits = module._cached.cache_info().hits
    understand(message, EMPTY)
    assert module._cached.cache_info().hits == hits + 1
    # a very long message is read afresh (the cache holds short keys only)
    long = "a sunset " * (module.CACHED_CHARS // 9 + 1)
    size = module._cached.cache_info().currsize
    assert understand(long, EMPTY) == module.read(long, EMPTY)
    assert module._cached.cache_info().currsize == size
