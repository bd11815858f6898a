"""Generated clips show what the prompt describes: checked on decoded frames."""

from __future__ import annotations

import colorsys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mock_server.media.scene import painter, read_scene
from mock_server.media.synth import make_clip

W, H = 320, 180


def _first_frame(tmp_path: Path, decode: Any, prompt: str, **kw: Any) -> np.ndarray[Any, Any]:
    out = tmp_path / f"{abs(hash(prompt))}.mp4"
    kw = {"seed": 3, "width": W, "height": H, "seconds": 0.2, **kw}
    make_clip(out, prompt=prompt, **kw)
    frame: np.ndarray[Any, Any] = decode(out).frames[0].astype(np.float64)
    return frame


def _mean(region: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    return region.reshape(-1, 3).mean(axis=0)


def _luma(region: np.ndarray[Any, Any]) -> float:
    r, g, b = _mean(region)
    return float(0.299 * r + 0.587 * g + 0.114 * b)


def _chroma(frame: np.ndarray[Any, Any]) -> float:
    return float(np.mean(frame.max(axis=2) - frame.min(axis=2)))


def test_sunset_over_a_mountain_lake(tmp_path: Path, decode: Any) -> None:
    frame = _first_frame(tmp_path, decode, "a sunset over a mountain lake with calm music")
    horizon = int(H * 0.58)
    sky = frame[: int(H * 0.25)]
    r, g, b = _mean(sky)
    hue, saturation, _ = colorsys.rgb_to_hsv(r / 255, g / 255, b / 255)
    assert r > g > b and (hue < 0.12 or hue > 0.95) and saturation > 0.3  # warm, orange
    mountains = frame[horizon - int(H * 0.08) : horizon]
    assert _luma(mountains) < 60 and _luma(mountains) < _luma(sky) / 2  # a dark band
    # The water mirrors what is above the horizon: row by row, darker.
    rows = np.arange(horizon + 2, H)
    water = frame[rows].mean(axis=(1, 2))
    mirrored = frame[2 * horizon - rows - 1].mean(axis=(1, 2))
    assert np.corrcoef(water, mirrored)[0, 1] > 0.9
    bottom, its_sky = (
        _mean(frame[-int(H * 0.08) :]),
        _mean(frame[2 * horizon - H : 2 * horizon - H + int(H * 0.08)]),
    )
    assert bottom[0] > bottom[2] and 0.35 < bottom[0] / its_sky[0] < 0.9


def test_night_is_dark_with_stars(tmp_path: Path, decode: Any) -> None:
    frame = _first_frame(tmp_path, decode, "a quiet field at night")
    upper = frame[: H // 2]
    assert _luma(upper) < 40
    assert (upper.min(axis=2) > 110).sum() >= 5  # points of light in a dark sky


def test_city_at_night_has_lit_windows(tmp_path: Path, decode: Any) -> None:
    city = _first_frame(tmp_path, decode, "city skyline at night")
    field = _first_frame(tmp_path, decode, "a quiet field at night")
    band = slice(int(H * 0.4), int(H * 0.68))  # the buildings above the street
    bright = lambda f: int((f[band].mean(axis=2) > 150).sum())  # noqa: E731
    assert bright(city) > 150 and bright(field) < 20


def test_snow_makes_a_white_ground_and_desert_a_sand_one(tmp_path: Path, decode: Any) -> None:
    snow = _mean(_first_frame(tmp_path, decode, "a snowy meadow")[-H // 5 :])
    sand = _mean(_first_frame(tmp_path, decode, "desert dunes")[-H // 5 :])
    assert snow.min() > 150 and snow.max() - snow.min() < 30
    assert sand[0] > sand[1] > sand[2] + 30


def test_style_words_change_the_grade(tmp_path: Path, decode: Any) -> None:
    prompt = "tropical beach on a sunny day"
    plain = _first_frame(tmp_path, decode, prompt)
    noir = _first_frame(tmp_path, decode, f"{prompt}, black and white")
    assert _chroma(plain) > 30 and _chroma(noir) < 6
    cinematic = _first_frame(tmp_path, decode, f"{prompt}, cinematic")
    assert _luma(cinematic[:8]) < 20 < _luma(plain[:8])  # letterbox bars on a wide frame


def test_rain_moves(tmp_path: Path, decode: Any) -> None:
    out = tmp_path / "rain.mp4"
    make_clip(out, prompt="rainy city street", seed=2, width=W, height=H, seconds=0.5, fps=12)
    frames = decode(out).frames
    still = np.abs(frames[0].astype(int) - frames[3].astype(int)).mean(axis=2)
    assert (still > 40).sum() > 100  # streaks have moved between the two frames


@pytest.mark.parametrize(
    ("prompt", "time", "weather", "layers", "filters"),
    [
        ("a sunset over a mountain lake", "sunset", "clear", {"mountains", "water"}, ()),
        ("neon city timelapse", "night", "clear", {"city", "neon"}, ()),
        ("rainy forest walk, cinematic", "day", "rain", {"forest"}, ("cinematic",)),
        ("product showcase video, 10 seconds", "day", "clear", {"studio"}, ()),
        ("日落时的山和湖", "sunset", "clear", {"mountains", "water"}, ()),
        ("an old dog, vintage style", "day", "clear", {"hills"}, ("vintage",)),
        ("snowy peaks, black and white", "day", "snow", {"mountains"}, ("grayscale", "contrast")),
    ],
)
def test_read_scene(
    prompt: str, time: str, weather: str, layers: set[str], filters: tuple[str, ...]
) -> None:
    scene = read_scene(prompt)
    assert (scene.time, scene.weather, set(scene.layers), scene.filters) == (
        time,
        weather,
        layers,
        filters,
    )


def test_words_inside_other_words_do_not_count() -> None:
    assert read_scene("seaside").layers == {"beach"}
    assert "water" not in read_scene("a research lab").layers  # "sea" in "research"
    assert read_scene("a stormy harbor").weather == "rain"


def test_same_prompt_and_seed_same_picture_other_seed_other_shapes() -> None:
    prompt = "mountains by a lake"
    a = painter(prompt, 1, 160, 90)[1].frame(0.25)
    b = painter(prompt, 1, 160, 90)[1].frame(0.25)
    c = painter(prompt, 2, 160, 90)[1].frame(0.25)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_the_subject_stands_in_the_scene(tmp_path: Path, decode: Any) -> None:
    fox = _first_frame(tmp_path, decode, "a red fox in the snow")
    snow = _first_frame(tmp_path, decode, "a snowy meadow")

    def orange(f: np.ndarray[Any, Any]) -> int:
        r, g, b = f[..., 0], f[..., 1], f[..., 2]
        return int(((r > 150) & (r - b > 80) & (g < 150)).sum())

    assert orange(fox[H // 2 :]) > 150 and orange(snow) == 0
    boat = _first_frame(tmp_path, decode, "a sailboat on the sea")
    sea = _first_frame(tmp_path, decode, "the open sea")
    horizon = int(H * 0.58)
    white = lambda f: int((f[horizon - H // 5 : horizon + H // 8].min(axis=2) > 215).sum())  # noqa: E731
    assert white(boat) > 100 and white(sea) < 10


def test_read_subject() -> None:
    assert (read_scene("a red fox in the snow").subject, read_scene("a red fox").subject_color) == (
        "animal",
        (200, 70, 36),
    )
    assert read_scene("a fox").subject_color == (206, 100, 40)
    assert read_scene("a hiker at dawn").subject == "person"
    assert read_scene("a quiet lake").subject is None
