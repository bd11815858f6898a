"""Real servers for tests, each on a free loopback port and stopped by its PID:
`nemo-fake serve` (as `make serve` starts it) and `redis-server` (Debian's;
tools/system-deps.sh installs it)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from mock_server.sockets import listen

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with listen("127.0.0.1", 0) as s:
        return int(s.getsockname()[1])


def require(binary: str) -> str:
    """The binary's path; a missing one fails in CI (it must be installed) and skips elsewhere."""
    found = shutil.which(binary)
    if found is None:
        message = f"{binary} is not installed (bash tools/system-deps.sh installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


@contextmanager
def redis_server(workdir: Path) -> Iterator[str]:
    """A throwaway redis-server (no persistence) on loopback; yields its URL."""
    binary = require("redis-server")
    port = free_port()
    proc = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
            "--protected-mode",
            "yes",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:  # readiness: the port answers PING (bounded, not a fixed sleep)
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start (exit {proc.poll()})")
            time.sleep(0.02)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Served:
    """`nemo-fake serve --port 0 ARGS` in its own process group on a free loopback port,
    stopped by its PID. `defaults=True` drops every NEMO_FAKE_* variable of this
    environment first, so only `args` and `env` differ from a fresh `make serve`."""

    def __init__(
        self,
        *args: str,
        env: dict[str, str] | None = None,
        defaults: bool = False,
        preexec_fn: Callable[[], None] | None = None,  # e.g. resource limits of the server
    ) -> None:
        self.args, self.env, self.defaults, self.preexec_fn = args, env, defaults, preexec_fn
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""
        self.banner = ""  # the "nemo-fake listening on ..." line

    def start(self) -> Served:
        base = {
            k: v
            for k, v in os.environ.items()
            if not (self.defaults and k.startswith("NEMO_FAKE_"))
        }
        cmd = [sys.executable, "-m", "mock_server.cli", "serve", "--port", "0", *self.args]
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
            env={**base, **(self.env or {})}, start_new_session=True, preexec_fn=self.preexec_fn,
        )  # fmt: skip
        assert self.proc.stdout is not None
        first = self.proc.stdout.readline()  # printed once the socket listens
        second = self.proc.stdout.readline()
        if not second.startswith("export NEMO_API_URL="):
            self.stop()
            err = self.proc.stderr.read() if self.proc.stderr else ""
            raise AssertionError(first + second + err)
        self.url, self.banner = second.strip().split("=", 1)[1], first.strip()
        self._ready()
        return self

    def _ready(self, seconds: float = 60) -> None:
        """The socket listens before the banner; workers may still be importing: wait
        (bounded) until one answers."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                if httpx.get(f"{self.url}/_fake/health", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"{self.url} did not answer within {seconds} s")
            time.sleep(0.05)

    def kill(self) -> None:
        """kill -9, the whole process group (a --workers supervisor and its workers)."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()


@contextmanager
def served(
    *args: str, env: dict[str, str] | None = None, defaults: bool = False
) -> Iterator[Served]:
    """A started `Served` for the block, stopped after it."""
    server = Served(*args, env=env, defaults=defaults).start()
    try:
        yield server
    finally:
        server.stop()
