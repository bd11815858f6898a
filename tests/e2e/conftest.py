"""`nemo-fake serve` in a subprocess on a random loopback port, stopped by its PID."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    cmd = [sys.executable, "-m", "mock_server.cli", "serve", "--port", "0", "--time-scale", "0.001"]
    cmd += ["--data-dir", str(tmp_path / "data")]
    env = {**os.environ, "NEMO_FAKE_MEDIA_MAX_SIDE": "320"}  # small media: fast encodes
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()  # "nemo-fake listening on URL ...", printed once listening
        second = proc.stdout.readline()
        if not second.startswith("export NEMO_API_URL="):
            proc.kill()
            raise AssertionError(first + second + (proc.stderr.read() if proc.stderr else ""))
        yield second.strip().split("=", 1)[1]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
