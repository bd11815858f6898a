"""A fresh `nemo-fake serve` (what `make serve` runs) is quick to try: a scaled clock,
said so in its banner; `--clock real` gives the live API's timing."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.servers import ROOT, served

PROMPT = "make a 10-second video of a sunset"


def test_serve_with_no_flags_runs_the_quick_clock() -> None:
    with served(defaults=True) as server:
        clock = httpx.get(f"{server.url}/_fake/health").json()["clock"]
    assert (clock["mode"], clock["time_scale"]) == ("scaled", 0.01)
    assert "clock scaled 100x faster than real; --clock real for live timing" in server.banner


def test_clock_real_gives_the_live_timing() -> None:
    with served("--clock", "real", defaults=True) as server:
        clock = httpx.get(f"{server.url}/_fake/health").json()["clock"]
    assert (clock["mode"], clock["time_scale"]) == ("real", 1.0)
    assert "clock real; --clock scaled" in server.banner


@pytest.mark.extended
def test_nemo_generate_finishes_in_under_30_s_on_the_defaults(tmp_path: Path) -> None:
    """The issue's done-when check, as a user runs it: a fresh `nemo-fake serve`, then
    `nemo generate "make a 10-second video of a sunset"` (full size media, the client's own
    poll interval). A speed target, so `extended` only."""
    out = tmp_path / "sunset.mp4"
    with served(defaults=True) as server:
        env = {
            **os.environ,
            "NEMO_API_URL": server.url,
            "NEMO_CONFIG_DIR": str(tmp_path / "cfg"),
            "HOME": str(tmp_path),
        }
        env.pop("NEMO_TOKEN", None)
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "client.cli", "generate", PROMPT, "-o", str(out)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=ROOT,
        )
        elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Still working" in result.stdout  # heartbeats still visible
    assert out.stat().st_size > 0
    assert elapsed < 30, f"took {elapsed:.1f} s"
