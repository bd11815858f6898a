"""parse_edits(): which edits a message asks for, with their numbers and text."""

from __future__ import annotations

from typing import Any

import pytest

from mock_server.agent.edits import parse_edits


def edits(message: str) -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    for e in parse_edits(message.lower(), message):
        fields = {
            k: v for k, v in vars(e).items() if k != "kind" and v not in (None, False, (), 0.0)
        }
        out.append((e.kind, fields))
    return out


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("trim to first 5 seconds", [("trim", {"mode": "keep_first", "a": 5.0})]),
        ("trim the first 10 seconds", [("trim", {"mode": "remove_first", "a": 10.0})]),
        ("remove the last 5 seconds", [("trim", {"mode": "remove_last", "a": 5.0})]),
        ("cut from 0:05 to 0:12", [("trim", {"mode": "cut_range", "a": 5.0, "b": 12.0})]),
        (
            "keep only between 2 and 6 seconds",
            [("trim", {"mode": "keep_range", "a": 2.0, "b": 6.0})],
        ),
        ("extend it by 5 seconds", [("trim", {"mode": "extend", "a": 5.0})]),
        ("make it 30 seconds", [("trim", {"mode": "to_length", "a": 30.0})]),
        ("shorten it", [("trim", {"mode": "halve"})]),
        ("去掉最后3秒", [("trim", {"mode": "remove_last", "a": 3.0})]),
        ("speed it up 2x", [("speed", {"factor": 2.0})]),
        ("slow motion", [("speed", {"factor": 0.5})]),
        ("add lo-fi music at 40%", [("music", {"style": "Lo-fi", "volume": 0.4})]),
        ("remove the music", [("remove_music", {})]),
        ("make the music quieter", [("volume", {"volume": 0.2})]),
        ("add subtitles in Spanish", [("subtitles", {"language": "Spanish"})]),
        ("添加英文字幕", [("subtitles", {"language": "English"})]),
        (
            "Add a text overlay that says 'Subscribe!' in the last 10 seconds",
            [("overlay", {"text": "Subscribe!", "where": ("last", 10.0, 0.0)})],
        ),
        ("add title 'Our Product'", [("title", {"text": "Our Product"})]),
        ("add a 3-second title card", [("title", {"seconds": 3.0})]),
        ("no text overlays", [("remove_text", {"roles": ("overlay",)})]),
        ("remove all the text", [("remove_text", {})]),
        ("add a golden hour glow effect", [("filter", {"filters": ("warm",)})]),
        ("Remove grain from low-light footage", [("filter", {"filters": ("denoise",)})]),
        ("make it black and white", [("filter", {"filters": ("grayscale",)})]),
        ("add a fade-in transition", [("fade", {"fade_in": True})]),
        ("fade the music out", [("fade", {"fade_out": True, "audio": True})]),
        ("add crossfade transitions", [("transition", {"transition": "crossfade"})]),
        ("convert landscape to vertical", [("aspect", {"aspect_ratio": "9:16"})]),
        ("a sunset over the sea", []),
    ],
)
def test_parse_edits(message: str, expected: list[tuple[str, dict[str, Any]]]) -> None:
    assert edits(message) == expected


def test_several_edits_in_one_message_in_applying_order() -> None:
    kinds = [k for k, _ in edits("add subtitles, trim to 5 seconds and add upbeat music")]
    assert kinds == ["trim", "music", "subtitles"]
