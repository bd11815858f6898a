"""`nemo-fake serve` in a subprocess on a random loopback port, stopped by its PID: the
command `make serve` runs, as users start it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Served:
    url: str
    banner: str  # the "nemo-fake listening on ..." line


@contextmanager
def serve_process(
    *args: str, env: dict[str, str] | None = None, defaults: bool = False
) -> Iterator[Served]:
    """`nemo-fake serve --port 0 ARGS`. `defaults=True` drops every NEMO_FAKE_* variable
    of this environment first, so only `args` and `env` differ from a fresh `make serve`."""
    base = {k: v for k, v in os.environ.items() if not (defaults and k.startswith("NEMO_FAKE_"))}
    cmd = [sys.executable, "-m", "mock_server.cli", "serve", "--port", "0", *args]
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**base, **(env or {})},
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()  # "nemo-fake listening on URL ...", printed once listening
        second = proc.stdout.readline()
        if not second.startswith("export NEMO_API_URL="):
            proc.kill()
            raise AssertionError(first + second + (proc.stderr.read() if proc.stderr else ""))
        yield Served(second.strip().split("=", 1)[1], first.strip())
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
