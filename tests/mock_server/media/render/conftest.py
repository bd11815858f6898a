from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from mock_server.media.synth import make_bgm, make_clip
from tests.mock_server.media.render.helpers import CDN, MAGENTA, TEAL, H, W


@pytest.fixture(scope="package")
def media(ms: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Sources by URL: a generated clip, solid-colour clips, a still, a BGM."""
    d = tmp_path_factory.mktemp("render-src")
    make_clip(d / "gen.mp4", prompt="city lights", seed=1, width=W, height=H, seconds=2)
    make_bgm(d / "bgm.m4a", seed=2, seconds=3)
    ms.write_video(
        d / "magenta.mp4", width=160, height=90, seconds=1.0, fps=10, color=MAGENTA, audio=False
    )
    ms.write_video(
        d / "two.mp4",
        width=160,
        height=90,
        seconds=2.0,
        fps=10,
        colors=[MAGENTA, TEAL],
        audio=False,
    )
    ms.write_video(
        d / "tone.mp4", width=160, height=90, seconds=1.0, fps=10, color=TEAL, audio=True
    )
    ms.write_video(d / "teal.mp4", width=W, height=H, seconds=2.0, fps=10, color=TEAL, audio=False)
    ms.write_video(
        d / "full.mp4", width=W, height=H, seconds=2.0, fps=10, color=MAGENTA, audio=False
    )
    ms.write_image(d / "teal.png", width=90, height=160, color=TEAL)
    (d / "corrupt.mp4").write_bytes(b"\x00" * 4096)
    return {f"{CDN}{p.name}": p for p in sorted(d.iterdir())}
