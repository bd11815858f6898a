"""`nemo generate … -o out.mp4` against `nemo-fake serve` gives a playable MP4."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import av

ROOT = Path(__file__).resolve().parents[2]


def test_nemo_generate_writes_a_playable_mp4(served: str, tmp_path: Path) -> None:
    out = tmp_path / "fox.mp4"
    env = {
        **os.environ,
        "NEMO_API_URL": served,
        "NEMO_CONFIG_DIR": str(tmp_path / "cfg"),
        "HOME": str(tmp_path),
    }
    env.pop("NEMO_TOKEN", None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "client.cli",
            "generate",
            "a 6-second video of a red fox in the snow",
            "-o",
            str(out),
            "--interval",
            "0.05",
            "--max-polls",
            "2000",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    with av.open(str(out)) as container:
        video = container.streams.video[0]
        audio = container.streams.audio[0]
        assert video.codec_context.name == "h264" and audio.codec_context.name == "aac"
        assert max(video.codec_context.width, video.codec_context.height) == 320  # media_max_side
        frames = sum(1 for _ in container.decode(video=0))
        seconds = (container.duration or 0) / 1_000_000
    assert seconds >= 5.9
    assert frames >= 5.9 * 24  # every frame decodes
