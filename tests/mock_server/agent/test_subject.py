"""subject() and title_from(): what a generation shows, and a title that is a phrase."""

# ruff: noqa: RUF001  (Chinese messages use full-width punctuation)

from __future__ import annotations

import pytest

from mock_server.agent.subject import subject, title_from


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "generate a 10-second cinematic video of a city timelapse at night",
            "city timelapse at night",
        ),
        ("a 6-second video of a red fox in the snow", "red fox in the snow"),
        ("Generate New York skyline at dusk", "New York skyline at dusk"),
        ("5-second sunset timelapse", "sunset timelapse"),
        ("生成一段海边日落的视频", "海边日落"),
        ("帮我生成一个30秒的猫咪视频，电影感", "猫咪"),
        ("make me a video", None),
        ("generate a short video clip from a text description using the free API tier", None),
        ("Create a cinematic text-to-video clip", None),
    ],
)
def test_subject(message: str, expected: str | None) -> None:
    assert subject(message) == expected


@pytest.mark.parametrize(
    ("description", "title"),
    [
        ("sunset over a mountain lake", "Mountain Lake Sunset"),
        ("winter fox", "Winter Fox"),
        ("red fox in the snow", "Red Fox in Snow"),
        ("timelapse of storm clouds rolling over a wheat field", "Storm Clouds Timelapse"),
        ("futuristic city at night", "Futuristic City at Night"),
        ("educational video explaining how photosynthesis works", "How Photosynthesis Works"),
        ("busy Tokyo street at night, neon signs reflecting on wet pavement", "Busy Tokyo Street"),
        ("expense management SaaS explainer: problem", "Expense Management SaaS Explainer"),
        ("海边日落", "海边日落"),
        ("", "My Video"),
    ],
)
def test_titles_are_complete_phrases(description: str, title: str) -> None:
    assert title_from(description) == title
