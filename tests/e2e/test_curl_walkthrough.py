"""The seeds' curl flow against `nemo-fake serve` (the command `make serve` runs), in a
subprocess on a random loopback port, stopped by its PID."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures.media.make_samples import write_video

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(
    not (shutil.which("curl") and shutil.which("jq")), reason="needs curl and jq"
)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    cmd = [
        sys.executable,
        "-m",
        "mock_server.cli",
        "serve",
        "--port",
        "0",
        "--time-scale",
        "0.001",
        "--data-dir",
        str(tmp_path / "data"),
    ]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()  # "nemo-fake listening on URL ..." is printed once bound
        second = proc.stdout.readline()
        assert second.startswith("export NEMO_API_URL="), (
            first + second + proc.stderr.read() if proc.poll() else ""
        )
        yield second.strip().split("=", 1)[1]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


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
