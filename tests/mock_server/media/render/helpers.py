"""Helpers shared by the render tests: a draft's pieces, a render-and-decode call and
colour checks on decoded frames."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mock_server.media.render import RenderInfo, render_draft
from tests.mock_server.media.conftest import decode_file

W, H = 320, 180
FPS = 30
MAGENTA = (220, 30, 200)
TEAL = (20, 200, 190)
CDN = "https://cdn.test/"


def mean(frame: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    return frame.reshape(-1, 3).mean(axis=0)


def close(frame: np.ndarray[Any, Any], rgb: tuple[int, int, int], tol: float = 18) -> bool:
    return bool(np.all(np.abs(mean(frame) - np.asarray(rgb)) < tol))


def black(frame: np.ndarray[Any, Any]) -> bool:
    return float(frame.mean()) < 8


def diff(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any]) -> float:
    return float(np.mean(np.abs(a.astype(np.int16) - b.astype(np.int16))))


def check_output(info: RenderInfo, d: Any, width: int, height: int, seconds: float) -> None:
    assert (d.video_codec, d.audio_codec, d.pix_fmt) == ("h264", "aac", "yuv420p")
    assert (d.width, d.height) == (width, height) == (info.width, info.height)
    assert abs(d.frame_count - round(seconds * FPS)) <= 1
    assert d.duration == pytest.approx(seconds, abs=1.5 / FPS)
    assert info.duration == pytest.approx(seconds, abs=1 / FPS)
    assert info.size == info.path.stat().st_size > 0
    assert info.fps == FPS


def render(
    tmp_path: Path,
    media: dict[str, Path],
    draft: dict[str, Any],
    decode: Any = decode_file,
    name: str = "out.mp4",
    **kwargs: Any,
) -> tuple[RenderInfo, Any]:
    """Render `draft` (sources from `media`) at W x H, FPS, and decode the result."""
    kwargs.setdefault("width", W)
    kwargs.setdefault("height", H)
    info = render_draft(draft, tmp_path / name, resolve=media.get, fps=FPS, **kwargs)
    assert info.path == tmp_path / name
    return info, decode(info.path)


def video(src: str, s: int, d: int, **extra: Any) -> dict[str, Any]:
    """A video track with one segment of `src` (a name in the `media` fixture)."""
    return {"tt": 0, "sg": [{"src": f"{CDN}{src}", "s": s, "d": d, **extra}]}
