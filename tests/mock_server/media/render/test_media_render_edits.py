"""The draft keys of contracts/draft-extensions.md, checked on the decoded export: text
roles, `sp` speed, `fx` filters, `fi`/`fo` fades, `tr` transitions, audio `vol` and fades."""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args

import numpy as np
import pytest

from mock_server.draft import Filter
from mock_server.media import grade
from tests.mock_server.media.render.helpers import (
    CDN,
    MAGENTA,
    TEAL,
    H,
    W,
    black,
    close,
    diff,
    mean,
    render,
    video,
)

FILTERS = [
    "grayscale",
    "sepia",
    "warm",
    "cool",
    "vintage",
    "vivid",
    "bright",
    "dark",
    "contrast",
    "soft",
    "sharpen",
    "vignette",
    "denoise",
    "cinematic",
]


def _chroma(frame: np.ndarray[Any, Any]) -> float:
    f = frame.astype(np.int16)
    return float(np.mean(f.max(axis=2) - f.min(axis=2)))


def _luma(frame: np.ndarray[Any, Any]) -> float:
    r, g, b = mean(frame)
    return float(0.299 * r + 0.587 * g + 0.114 * b)


# --- text ----------------------------------------------------------------------------------


def test_subtitle_cues_show_at_their_times_in_the_bottom_band(
    tmp_path: Path, media: dict[str, Path]
) -> None:
    cues = [
        {"tx": "Hello there", "s": 0, "d": 500, "k": "subtitle"},
        {"tx": "Second line", "s": 1000, "d": 500, "k": "subtitle", "pos": "bottom"},
    ]
    draft = {"d": 2000, "t": [video("full.mp4", 0, 2000), {"tt": 7, "n": "Subtitles", "sg": cues}]}
    _, d = render(tmp_path, media, draft)
    first, gap, second, after = (d.frame_at(t) for t in (0.25, 0.75, 1.25, 1.75))
    band = slice(int(H * 0.6), H)  # where cues sit
    assert diff(first[band], gap[band]) > 1.5 and diff(second[band], gap[band]) > 1.5
    assert diff(first[band], second[band]) > 1  # two different cues
    assert diff(first[: H // 2], gap[: H // 2]) < 1  # nothing above the band
    assert diff(gap, after) < 1 and close(gap, MAGENTA)
    assert (first[band].min(axis=2) > 200).sum() > 20  # white glyphs


def test_overlay_title_and_subtitle_together(tmp_path: Path, media: dict[str, Path]) -> None:
    title = {"tt": 7, "n": "Title", "sg": [{"tx": "TRIP", "s": 0, "d": 1000, "k": "title"}]}
    overlay = {
        "tt": 7,
        "n": "Text",
        "sg": [{"tx": "SALE", "s": 0, "d": 1000, "k": "overlay", "pos": "top", "color": "#00ff00"}],
    }
    subs = {"tt": 7, "n": "Subtitles", "sg": [{"tx": "hi", "s": 0, "d": 1000, "k": "subtitle"}]}
    _, d = render(tmp_path, media, {"d": 1000, "t": [title, overlay, subs]})
    frame = d.frame_at(0.5)
    green = (frame[..., 1] > 180) & (frame[..., 0] < 90)
    white = frame.min(axis=2) > 200
    assert green[: H // 3].sum() > 20 and green[H // 3 :].sum() == 0  # the overlay, top
    assert white[H // 3 : 2 * H // 3].sum() > 20  # the title, centre
    assert white[2 * H // 3 :].sum() > 5  # the cue, bottom


# --- speed, fades --------------------------------------------------------------------------


def test_speed_advances_the_source_faster(tmp_path: Path, media: dict[str, Path]) -> None:
    """two.mp4: magenta for 1 s, then teal. At 2x, 0.75 s in shows source 1.5 s (teal)."""
    _, normal = render(tmp_path, media, {"t": [video("two.mp4", 0, 1000)]}, name="n.mp4")
    _, fast = render(tmp_path, media, {"t": [video("two.mp4", 0, 1000, sp=2)]}, name="f.mp4")
    _, slow = render(tmp_path, media, {"t": [video("two.mp4", 0, 1000, sp=0.5, so=1000)]})
    assert close(normal.frame_at(0.75), MAGENTA) and close(fast.frame_at(0.75), TEAL)
    assert close(fast.frame_at(0.4), MAGENTA)  # source 0.8 s
    assert close(slow.frame_at(0.9), TEAL)  # source 1.45 s


def test_fade_in_and_out(tmp_path: Path, media: dict[str, Path]) -> None:
    draft = {"d": 2000, "t": [video("full.mp4", 0, 2000, fi=500, fo=500)]}
    _, d = render(tmp_path, media, draft)
    assert black(d.frames[0]) and black(d.frames[-1])
    assert 0.3 < _luma(d.frame_at(0.25)) / _luma(d.frame_at(1.0)) < 0.7  # halfway in
    assert close(d.frame_at(1.0), MAGENTA)


# --- filters -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def graded(media: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The generated clip's frame at 0.5 s, plain and under each filter."""
    tmp = tmp_path_factory.mktemp("fx")
    out: dict[str, Any] = {}
    for name in ["none", *FILTERS]:
        fx = {} if name == "none" else {"fx": [name]}
        _, d = render(
            tmp, media, {"d": 1000, "t": [video("gen.mp4", 0, 1000, **fx)]}, name=f"{name}.mp4"
        )
        out[name] = d.frame_at(0.5)
    return out


def test_the_renderer_grades_every_filter_the_draft_model_accepts() -> None:
    assert set(FILTERS) == set(get_args(Filter)) == set(grade.FILTERS)


@pytest.mark.parametrize("name", FILTERS)
def test_every_filter_changes_the_picture(name: str, graded: dict[str, Any]) -> None:
    assert diff(graded[name], graded["none"]) > 1.5


def test_filters_do_what_they_say(graded: dict[str, Any]) -> None:
    plain = graded["none"]
    assert _chroma(plain) > 25 and _chroma(graded["grayscale"]) < 3
    r, g, b = mean(graded["sepia"])
    assert r > g > b
    assert mean(graded["warm"])[0] - mean(graded["warm"])[2] > mean(plain)[0] - mean(plain)[2] + 8
    assert mean(graded["cool"])[2] - mean(graded["cool"])[0] > mean(plain)[2] - mean(plain)[0] + 8
    assert _luma(graded["bright"]) > _luma(plain) + 10 > _luma(graded["dark"]) + 20
    assert _chroma(graded["vivid"]) > _chroma(plain) * 1.2
    assert graded["contrast"].std() > plain.std() * 1.1
    corners = graded["vignette"][:20, :20], graded["vignette"][-20:, -20:]
    assert all(_luma(c) < _luma(plain[:20, :20]) * 0.8 for c in corners)
    assert _luma(graded["vignette"][80:100, 150:170]) == pytest.approx(
        _luma(plain[80:100, 150:170]), abs=4
    )
    assert black(graded["cinematic"][:8]) and black(graded["cinematic"][-8:])  # 2.39:1 bars


def test_filters_apply_in_order(tmp_path: Path, media: dict[str, Path]) -> None:
    fx = ["grayscale", "sepia"]
    _, d = render(tmp_path, media, {"d": 300, "t": [video("full.mp4", 0, 300, fx=fx)]})
    r, g, b = mean(d.frame_at(0.1))
    assert r > g > b  # sepia after grayscale: a brown tint, not grey


# --- transitions ---------------------------------------------------------------------------


def _cut(kind: str) -> dict[str, Any]:
    return {
        "tt": 0,
        "sg": [
            {"src": f"{CDN}full.mp4", "s": 0, "d": 1000},
            {"src": f"{CDN}teal.mp4", "s": 1000, "d": 1000, "tr": {"k": kind, "d": 600}},
        ],
    }


@pytest.mark.parametrize("kind", ["crossfade", "fade", "wipe", "slide", "zoom"])
def test_transition_blends_the_two_segments(
    kind: str, tmp_path: Path, media: dict[str, Path]
) -> None:
    _, d = render(tmp_path, media, {"d": 2000, "t": [_cut(kind)]})
    assert close(d.frame_at(0.9), MAGENTA) and close(d.frame_at(1.7), TEAL)
    mid = d.frame_at(1.3)  # halfway through the 600 ms transition
    if kind == "crossfade":
        assert close(mid, tuple((np.asarray(MAGENTA) + TEAL) // 2), tol=25)
    elif kind == "fade":
        assert _luma(mid) < 20  # through black
    elif kind == "wipe":
        assert close(mid[:, : W // 2 - 10], TEAL) and close(mid[:, W // 2 + 10 :], MAGENTA)
    elif kind == "slide":
        assert close(mid[:, : W // 2 - 10], MAGENTA) and close(mid[:, W // 2 + 10 :], TEAL)
    else:
        assert close(mid[H // 2 - 20 : H // 2 + 20, W // 2 - 40 : W // 2 + 40], TEAL)
        assert close(mid[:10], MAGENTA)


def test_without_a_transition_the_cut_is_hard(tmp_path: Path, media: dict[str, Path]) -> None:
    track = _cut("crossfade")
    del track["sg"][1]["tr"]
    _, d = render(tmp_path, media, {"d": 2000, "t": [track]})
    assert close(d.frame_at(0.97), MAGENTA) and close(d.frame_at(1.02), TEAL)


# --- audio ---------------------------------------------------------------------------------


def test_audio_fades(tmp_path: Path, media: dict[str, Path]) -> None:
    seg = {"src": f"{CDN}bgm.m4a", "s": 0, "d": 2000, "vol": 1.0}
    _, plain = render(tmp_path, media, {"d": 2000, "t": [{"tt": 1, "sg": [seg]}]}, name="p.mp4")
    faded = {**seg, "fi": 800, "fo": 800}
    _, d = render(tmp_path, media, {"d": 2000, "t": [{"tt": 1, "sg": [faded]}]})
    assert d.rms(0.0, 0.2) < 0.4 * plain.rms(0.0, 0.2)
    assert d.rms(1.8, 2.0) < 0.4 * plain.rms(1.8, 2.0)
    assert d.rms(0.9, 1.1) == pytest.approx(plain.rms(0.9, 1.1), rel=0.15)


def _peak_hz(samples: np.ndarray[Any, Any]) -> float:
    spectrum = np.abs(np.fft.rfft(samples[:, 0] * np.hanning(len(samples))))
    return float(np.argmax(spectrum) * 48000 / len(samples))


def test_a_sped_up_clip_plays_its_sound_faster(tmp_path: Path, media: dict[str, Path]) -> None:
    _, normal = render(tmp_path, media, {"t": [video("tone.mp4", 0, 400)]}, name="n.mp4")
    _, fast = render(tmp_path, media, {"t": [video("tone.mp4", 0, 400, sp=2)]})
    assert normal.audio is not None and fast.audio is not None
    window = slice(2400, 2400 + 9600)
    assert _peak_hz(normal.audio[window]) == pytest.approx(440, abs=10)
    assert _peak_hz(fast.audio[window]) == pytest.approx(880, abs=15)


@pytest.mark.parametrize(
    "bad",
    [
        {"sp": "fast"},
        {"sp": 99},
        {"fx": ["no-such-filter"]},
        {"fx": 5},
        {"fi": -100},
        {"tr": "crossfade"},
        {"tr": {"k": "spin", "d": 200}},
    ],
)
def test_invalid_keys_make_an_invalid_draft(
    bad: dict[str, Any], tmp_path: Path, media: dict[str, Path]
) -> None:
    with pytest.raises(ValueError, match="invalid draft"):
        render(tmp_path, media, {"t": [video("full.mp4", 0, 300, **bad)]})
    assert not list(tmp_path.iterdir())


def test_fades_and_transitions_longer_than_the_segment_are_cut_to_it(
    tmp_path: Path, media: dict[str, Path]
) -> None:
    segments = [
        {"src": f"{CDN}full.mp4", "s": 0, "d": 600, "fo": 10**9},
        {"src": f"{CDN}teal.mp4", "s": 600, "d": 600, "tr": {"k": "wipe", "d": 10**9}},
        {"src": f"{CDN}full.mp4", "s": 1200, "d": 300, "tr": {"k": "crossfade"}},  # d 0: a cut
    ]
    _, d = render(tmp_path, media, {"t": [{"tt": 0, "sg": segments}]})
    assert 0.3 < _luma(d.frame_at(0.3)) / _luma(d.frame_at(1.25)) < 0.7  # halfway out
    wiping = d.frame_at(0.9)  # halfway through a wipe as long as the segment
    assert close(wiping[:, :40], TEAL) and black(wiping[:, -40:])  # the outgoing faded out
    assert close(d.frame_at(1.22), MAGENTA)  # the crossfade of length 0 is a hard cut


def test_the_same_draft_renders_to_the_same_bytes(tmp_path: Path, media: dict[str, Path]) -> None:
    track = _cut("zoom")
    track["sg"][0].update(fx=["vintage", "sharpen"], sp=1.5, fi=300)
    music = {"tt": 1, "sg": [{"src": f"{CDN}bgm.m4a", "s": 0, "d": 2000, "vol": 0.4, "fo": 500}]}
    cue = {"tt": 7, "sg": [{"tx": "same", "s": 200, "d": 900, "k": "subtitle"}]}
    draft = {"d": 2000, "t": [track, music, cue]}
    a, _ = render(tmp_path, media, draft, name="a.mp4")
    b, _ = render(tmp_path, media, draft, name="b.mp4")
    assert a.path.read_bytes() == b.path.read_bytes()
