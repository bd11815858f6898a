from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mock_server.media.frames import fit_canvas
from mock_server.media.probe import probe
from mock_server.media.synth import make_bgm, make_clip

PROMPT = "A neon city timelapse at night"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _diff(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any]) -> float:
    return float(np.mean(np.abs(a.astype(np.int16) - b.astype(np.int16))))


def test_make_clip_is_a_real_h264_mp4(tmp_path: Path, decode: Any) -> None:
    info = make_clip(tmp_path / "c.mp4", prompt=PROMPT, seed=1, width=320, height=180, seconds=1.5)
    assert (info.file_type, info.codec, info.width, info.height) == ("video", "h264", 320, 180)
    assert info.fps == 24 and info.has_audio is False
    assert info == probe(tmp_path / "c.mp4", "c.mp4")  # what it returns is the file's probe
    d = decode(tmp_path / "c.mp4")
    assert (d.video_codec, d.pix_fmt, d.width, d.height) == ("h264", "yuv420p", 320, 180)
    assert abs(d.frame_count - 36) <= 1
    assert d.duration == pytest.approx(1.5, abs=1 / 24)


def test_make_clip_moves(tmp_path: Path, decode: Any) -> None:
    make_clip(tmp_path / "c.mp4", prompt=PROMPT, seed=1, width=320, height=180, seconds=2, fps=12)
    frames = decode(tmp_path / "c.mp4").frames
    assert _diff(frames[0], frames[-1]) > 3


def test_make_clip_is_deterministic(tmp_path: Path, decode: Any) -> None:
    a = make_clip(tmp_path / "a.mp4", prompt=PROMPT, seed=5, width=180, height=320, seconds=1)
    b = make_clip(tmp_path / "b.mp4", prompt=PROMPT, seed=5, width=180, height=320, seconds=1)
    assert a.hash == b.hash == _sha(tmp_path / "a.mp4") == _sha(tmp_path / "b.mp4")
    fa, fb = decode(tmp_path / "a.mp4").frames, decode(tmp_path / "b.mp4").frames
    assert len(fa) == len(fb) == 24
    assert all(np.array_equal(x, y) for x, y in zip(fa, fb, strict=True))


@pytest.mark.parametrize(("prompt", "seed"), [("Ocean waves at sunset", 5), (PROMPT, 6)])
def test_other_prompt_or_seed_looks_different(
    prompt: str, seed: int, tmp_path: Path, decode: Any
) -> None:
    base = make_clip(tmp_path / "a.mp4", prompt=PROMPT, seed=5, width=320, height=180, seconds=0.5)
    other = make_clip(
        tmp_path / "b.mp4", prompt=prompt, seed=seed, width=320, height=180, seconds=0.5
    )
    assert base.hash != other.hash
    fa, fb = decode(tmp_path / "a.mp4").frames[0], decode(tmp_path / "b.mp4").frames[0]
    assert _diff(fa, fb) > 10  # visibly different, not just a few pixels of text


def test_the_prompt_is_not_written_on_the_picture(tmp_path: Path, decode: Any) -> None:
    """The picture shows the scene; the title track, not the clip, carries text."""
    make_clip(tmp_path / "a.mp4", prompt="WWWWWWWWWW", seed=1, width=320, height=180, seconds=0.1)
    low = decode(tmp_path / "a.mp4").frames[0][100:170]  # where a caption used to sit
    assert int((low.min(axis=2) > 200).sum()) == 0  # no white glyphs on the hills
    assert int((low.max(axis=2) < 40).sum()) == 0  # nor their dark outline


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        ((1920, 1080), (1920, 1080)),
        ((1080, 1920), (1080, 1920)),
        ((1080, 1080), (1080, 1080)),
        ((3840, 2160), (1920, 1080)),
        ((2160, 3840), (1080, 1920)),
        ((333, 187), (332, 186)),
    ],
)
def test_fit_canvas(requested: tuple[int, int], expected: tuple[int, int]) -> None:
    assert fit_canvas(*requested) == expected


def test_make_clip_clamps_large_sizes(tmp_path: Path) -> None:
    info = make_clip(tmp_path / "c.mp4", prompt="big", seed=1, width=2160, height=3840, seconds=0.1)
    assert (info.width, info.height) == (1080, 1920)


def test_make_clip_rejects_bad_duration(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="positive"):
        make_clip(tmp_path / "c.mp4", prompt="x", seed=1, width=320, height=180, seconds=0)


def test_make_bgm_is_non_silent_aac(tmp_path: Path, decode: Any) -> None:
    info = make_bgm(tmp_path / "bgm.m4a", seed=3, seconds=4)
    assert (info.file_type, info.codec, info.has_audio) == ("audio", "aac", True)
    assert info.duration == pytest.approx(4, abs=0.05)
    d = decode(tmp_path / "bgm.m4a")
    assert d.audio_codec == "aac"
    assert d.audio is not None and len(d.audio) == pytest.approx(4 * 48000, abs=2048)
    assert d.rms(0.5, 3.5) > 0.05
    assert float(np.abs(d.audio).max()) <= 1.0


def test_make_bgm_is_deterministic_and_seeded(tmp_path: Path) -> None:
    a = make_bgm(tmp_path / "a.m4a", seed=3, seconds=2)
    b = make_bgm(tmp_path / "b.m4a", seed=3, seconds=2)
    c = make_bgm(tmp_path / "c.m4a", seed=4, seconds=2)
    assert a.hash == b.hash
    assert a.hash != c.hash


@pytest.mark.parametrize("style", ["lofi", "upbeat", "ambient", "cinematic", "polka"])
def test_every_style_makes_sound(style: str, tmp_path: Path, decode: Any) -> None:
    make_bgm(tmp_path / "s.m4a", seed=1, seconds=2, style=style)
    assert decode(tmp_path / "s.m4a").rms(0.5, 1.5) > 0.03


def test_make_bgm_mp3(tmp_path: Path, decode: Any) -> None:
    info = make_bgm(tmp_path / "bgm.mp3", seed=2, seconds=1.5)
    assert info.codec == "mp3"
    assert decode(tmp_path / "bgm.mp3").rms() > 0.03
