"""The seeds' curl flow against `nemo-fake serve` (the command `make serve` runs), in a
subprocess on a random loopback port, stopped by its PID."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from fixtures.media.make_samples import write_video

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(
    not (shutil.which("curl") and shutil.which("jq")), reason="needs curl and jq"
)


def test_curl_walkthrough(served: str, tmp_path: Path) -> None:
    video = write_video(tmp_path / "clip.mp4", width=320, height=180, seconds=1.0)
    out = tmp_path / "out.mp4"
    env = {**os.environ, "NEMO_API_URL": served}
    result = subprocess.run(
        ["bash", str(ROOT / "examples" / "curl_walkthrough.sh"), str(video), str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("upload: clip.mp4 video 320x180") for line in lines), lines
    assert "poll: completed 100%" in lines
    assert out.stat().st_size > 0
