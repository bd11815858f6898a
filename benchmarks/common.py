"""Plumbing shared by the benchmarks: machine facts, processes started in a process group
of their own and stopped by that group's id (then checked gone), free loopback ports,
bounded polling, RSS and CPU time from /proc, and a tiny HTTP GET for readiness checks.

Every server a benchmark starts listens on 127.0.0.1 only and every wait is bounded.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from mock_server.sockets import listen

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
WORK = BENCH / ".work"  # gitignored: npm packages, logs, generated peer configs, media
LOGS = WORK / "logs"
VENV_BIN = Path(sys.executable).parent  # the venv the bench runs in (`make bench`)
HOST = "127.0.0.1"

T = TypeVar("T")


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with listen(HOST, 0) as sock:
        return int(sock.getsockname()[1])


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return a / b


def machine() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_gb = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        first = Path("/proc/meminfo").read_text().splitlines()[0]
        mem_gb = round(int(first.split()[1]) / 2**20, 1)
    return {
        "cores": os.cpu_count(),
        "cpu_model": model,
        "memory_gb": mem_gb,
        "os": platform.platform(),
        "python": platform.python_version(),
    }


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# --- /proc -----------------------------------------------------------------------------------


def _busy_seconds() -> float:
    """CPU time the whole machine spent busy (all cores) since boot, seconds."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _own_seconds() -> float:
    """CPU time of this process and of its children it has reaped, seconds."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class CpuShare:
    """How busy the machine was during a section, and how much of that was not the bench
    (another job on a shared machine makes wall times longer and ratios noisier). Call
    `stop()` when every process the section started has been stopped (reaped)."""

    def __init__(self) -> None:
        self.load_before = load_average()
        self._wall = time.monotonic()
        self._busy = _busy_seconds()
        self._own = _own_seconds()

    def stop(self) -> dict[str, Any]:
        wall = max(time.monotonic() - self._wall, 1e-6)
        busy = _busy_seconds() - self._busy
        own = _own_seconds() - self._own
        return {
            "wall_s": round(wall, 1),
            "bench_cores": round(own / wall, 2),
            "other_cores": round(max(0.0, busy - own) / wall, 2),
            "load_before": self.load_before,
            "load_after": load_average(),
        }


def _status(pid: int) -> dict[str, str]:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


def rss_mb(pid: int) -> float | None:
    """Resident set size now (VmRSS), MB."""
    value = _status(pid).get("VmRSS")
    return round(int(value.split()[0]) / 1024, 1) if value else None


def peak_rss_mb(pid: int) -> float | None:
    """Peak resident set size so far (VmHWM: exact, kept by the kernel), MB."""
    value = _status(pid).get("VmHWM")
    return round(int(value.split()[0]) / 1024, 1) if value else None


def cpu_seconds(pid: int) -> float | None:
    """utime + stime of a process, seconds."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes whose process group is `pgid`."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, pgrp = fields[0], int(fields[2])
        if pgrp == pgid and state not in ("Z", "X"):
            members.append(int(entry.name))
    return members


# --- processes -------------------------------------------------------------------------------


class Proc:
    """A process started in a new session, so it leads a process group of its own;
    `stop()` signals that group by its id (the leader's PID), escalates to SIGKILL, and
    checks that no process of the group is left. Output goes to a log file under .work/logs
    (stderr only with `quiet_stdout`, for a server that logs every request to stdout).
    """

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        env: dict[str, str] | None = None,
        cwd: Path = ROOT,
        log_name: str | None = None,
        quiet_stdout: bool = False,
    ) -> None:
        LOGS.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.log_path = LOGS / (log_name or f"{name}.log")
        self._log = self.log_path.open("wb")
        self.started = time.perf_counter()
        self.popen = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL if quiet_stdout else self._log,
            stderr=self._log if quiet_stdout else subprocess.STDOUT,
            start_new_session=True,
        )
        self.pid = self.popen.pid
        self.stopped = False

    def alive(self) -> bool:
        return self.popen.poll() is None

    def wait(self, timeout: float) -> int | None:
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, grace: float = 10.0) -> None:
        if self.stopped:
            return
        self.stopped = True
        pgid = self.pid
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGTERM)
        if self.wait(grace) is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, signal.SIGKILL)
            self.wait(5)
        deadline = time.monotonic() + 5
        while (left := group_members(pgid)) and time.monotonic() < deadline:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, signal.SIGKILL)
            time.sleep(0.05)
        self._log.close()
        if left:
            raise RuntimeError(f"{self.name}: processes {left} of group {pgid} survived SIGKILL")

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def __enter__(self) -> Proc:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def run_bounded(
    name: str, argv: Sequence[str], timeout: float, *, env: dict[str, str] | None = None
) -> tuple[int | None, str]:
    """Run a command to completion in its own process group, at most `timeout` seconds
    (then the group is killed); returns (exit code or None on timeout, its output)."""
    proc = Proc(name, argv, env=env)
    code = proc.wait(timeout)
    proc.stop()
    return code, proc.log_path.read_text(errors="replace")


# --- HTTP ------------------------------------------------------------------------------------


def http_get(
    port: int, path: str, headers: dict[str, str] | None = None, timeout: float = 5.0
) -> tuple[int, dict[str, str], bytes] | None:
    """GET over a fresh loopback connection; None when nothing answers (yet)."""
    return http_call(port, "GET", path, headers, timeout=timeout)


def http_call(
    port: int,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = 5.0,
) -> tuple[int, dict[str, str], bytes] | None:
    """One request over a fresh loopback connection, whole body read (bounded by
    `timeout` per socket operation); None when nothing answers."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def poll(
    check: Callable[[], T | None],
    timeout: float,
    interval: float = 0.002,
    alive: Callable[[], bool] | None = None,
) -> T:
    """Call `check` until it returns something, at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result is not None:
            return result
        if alive is not None and not alive():
            raise RuntimeError("the process exited before it answered")
        time.sleep(interval)
    raise TimeoutError(f"no good answer within {timeout} s")


@contextlib.contextmanager
def timed(into: dict[str, Any], key: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        into[key] = round(time.perf_counter() - started, 3)
