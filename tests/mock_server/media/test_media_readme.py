"""The README's "What generated clips and exports show" block runs as written."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _block() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## What generated clips and exports show", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 1
    return blocks[0]


def test_the_readme_block_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, decode: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(_block(), "README.md", "exec"), {})
    assert printed.getvalue().split() == ["3.0", "640", "360"]
    d = decode(tmp_path / "out.mp4")
    assert (d.width, d.height, d.video_codec) == (640, 360, "h264")
    assert float(d.frames[0].mean()) < 8  # the fade-in starts on black
    r, _, b = d.frame_at(2.0)[60:120].reshape(-1, 3).mean(axis=0)  # below the bar
    assert r > b  # the warm sky of the sunset, under the cinematic grade
