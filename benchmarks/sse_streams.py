"""Benchmark: N concurrent /run_sse generation streams held by one fake process.

Starts `nemo-fake serve` on 127.0.0.1 (a free port; its own process group, stopped by
that group's id and checked gone), under a scaled clock so a whole generation turn
(100-300 API s of Seedance plus music and title) lasts about `--turn-seconds` real
seconds, with a short heartbeat interval; opens N streams at once, reads every frame, and
reports dropped or incomplete streams, frame and heartbeat counts, latency, and the
server's peak RSS (VmHWM from /proc/<pid>/status). The file-descriptor limit is raised
(`resource.setrlimit`, inherited by the server) so 2,000 streams fit. Bounded by
`--timeout` per level.

    .venv/bin/python -m benchmarks.sse_streams --streams 500 1000 2000 --out /tmp/sse.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from benchmarks.common import VENV_BIN, Proc, cpu_seconds, free_port
from nemo_protocol.sse import SSEParser

MEAN_TURN_API_SECONDS = 200 + 2 * 20 + 6  # generation mean + two edits + model pauses


@dataclass
class StreamResult:
    ok: bool = False
    frames: int = 0
    heartbeats: int = 0
    events: int = 0
    first_byte_s: float | None = None
    duration_s: float = 0.0
    error: str | None = None


@dataclass
class Report:
    streams: int
    completed: int = 0
    dropped: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    frames_total: int = 0
    heartbeats_total: int = 0
    events_total: int = 0
    turn_seconds_p50: float | None = None
    turn_seconds_max: float | None = None
    first_byte_p50_s: float | None = None
    first_byte_max_s: float | None = None
    wall_seconds: float = 0.0
    setup_seconds: float = 0.0
    server_rss_baseline_mb: float | None = None
    server_rss_peak_mb: float | None = None
    server_rss_peak_source: str = ""
    server_cpu_seconds: float | None = None  # user+system CPU of the server during the streams
    client_cpu_seconds: float | None = None
    config: dict[str, Any] = field(default_factory=dict)
    machine: dict[str, Any] = field(default_factory=dict)
    timed_out: bool = False


def rss_mb(pid: int) -> tuple[float | None, float | None, str]:
    """(current RSS, peak RSS) in MB, and where the peak came from."""
    try:
        import psutil

        info = psutil.Process(pid).memory_info()
        peak = getattr(info, "peak_wset", None)  # Windows only
        return info.rss / 2**20, (peak / 2**20 if peak else None), "psutil"
    except ImportError:
        pass
    except Exception:
        return None, None, "psutil"
    status = Path(f"/proc/{pid}/status")
    try:
        fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
    except OSError:
        return None, None, "unavailable"
    kb = {k: int(v.split()[0]) for k, v in fields.items() if k in ("VmRSS", "VmHWM")}
    return kb.get("VmRSS", 0) / 1024, kb.get("VmHWM", 0) / 1024, "/proc VmHWM"


class PeakSampler:
    """Samples RSS every 50 ms (VmHWM is exact on Linux; sampling covers psutil)."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self.source = pid, 0.0, ""
        self._task: asyncio.Task[None] | None = None

    def sample(self) -> None:
        current, peak, self.source = rss_mb(self.pid)
        self.peak = max(self.peak, current or 0.0, peak or 0.0)

    async def _run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(0.05)

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        self.sample()


async def wait_ready(base: str, proc: Proc, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=base, timeout=1) as client:
        while time.monotonic() < deadline:
            if not proc.alive():
                raise RuntimeError(f"server exited: {proc.log_tail()}")
            try:
                if (await client.get("/_fake/health")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.05)
    raise RuntimeError("server did not become ready")


class Frames:
    """Counts SSE frames and remembers the last agent text; `done` once the turn's
    closing text ("Your video is ready…") has arrived."""

    def __init__(self, result: StreamResult) -> None:
        self.result, self.parser, self.last_text = result, SSEParser(), ""

    def feed(self, data: bytes) -> None:
        for message in self.parser.feed(data):
            self.result.frames += 1
            if message.data == '{"type":"heartbeat"}':
                self.result.heartbeats += 1
                continue
            self.result.events += 1
            payload = json.loads(message.data)
            if "error" in payload:
                self.result.error = "in-stream error"
            parts = payload.get("content", {}).get("parts", [{}])
            self.last_text = parts[0].get("text", self.last_text)

    def finish(self) -> None:
        self.result.ok = self.result.error is None and self.last_text.startswith(
            "Your video is ready"
        )
        if not self.result.ok and self.result.error is None:
            self.result.error = "incomplete turn"


def run_body(sid: str, prompt: str) -> dict[str, Any]:
    return {
        "app_name": "nemo_agent",
        "user_id": "me",
        "session_id": sid,
        "new_message": {"parts": [{"text": prompt}]},
    }


async def stream_httpx(
    client: httpx.AsyncClient, token: str, sid: str, prompt: str
) -> StreamResult:
    """One stream through httpx (a full client stack: its own CPU cost is large)."""
    result = StreamResult()
    frames = Frames(result)
    headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
    started = time.monotonic()
    try:
        async with client.stream(
            "POST", "/run_sse", headers=headers, json=run_body(sid, prompt)
        ) as response:
            if not response.headers.get("content-type", "").startswith("text/event-stream"):
                result.error = f"HTTP {response.status_code}"
                return result
            async for chunk in response.aiter_bytes():
                if result.first_byte_s is None:
                    result.first_byte_s = time.monotonic() - started
                frames.feed(chunk)
        frames.finish()
    except (httpx.HTTPError, OSError) as exc:
        result.error = type(exc).__name__
    finally:
        result.duration_s = time.monotonic() - started
    return result


async def stream_raw(port: int, token: str, sid: str, prompt: str) -> StreamResult:
    """One stream over a bare asyncio connection (HTTP/1.1, chunked body decoded here):
    cheap enough that the numbers are the server's, not the client's."""
    result = StreamResult()
    frames = Frames(result)
    started = time.monotonic()
    writer = None
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        body = json.dumps(run_body(sid, prompt)).encode()
        head = (
            f"POST /run_sse HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
            f"Accept: text/event-stream\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        writer.write(head.encode() + body)
        await writer.drain()
        status = await reader.readline()
        headers = {}
        while (line := await reader.readline()) not in (b"\r\n", b""):
            key, _, value = line.decode("latin-1").partition(":")
            headers[key.strip().lower()] = value.strip()
        if b" 200 " not in status or not headers.get("content-type", "").startswith(
            "text/event-stream"
        ):
            result.error = f"HTTP {status.decode(errors='replace').strip()}"
            return result
        if headers.get("transfer-encoding") != "chunked":
            while data := await reader.read(65536):
                result.first_byte_s = result.first_byte_s or time.monotonic() - started
                frames.feed(data)
        else:
            while True:
                size_line = await reader.readline()
                if not size_line:
                    raise ConnectionError("closed mid-body")
                size = int(size_line.split(b";")[0], 16)
                if size == 0:
                    await reader.readline()
                    break
                data = await reader.readexactly(size)
                await reader.readexactly(2)
                result.first_byte_s = result.first_byte_s or time.monotonic() - started
                frames.feed(data)
        frames.finish()
    except (OSError, ValueError, asyncio.IncompleteReadError) as exc:
        result.error = type(exc).__name__
    finally:
        result.duration_s = time.monotonic() - started
        if writer is not None:
            writer.close()
    return result


def raise_fd_limit(wanted: int) -> int:
    """Raise this process's soft RLIMIT_NOFILE to `wanted` (at most the hard limit); the
    server started from here inherits it. Returns the soft limit in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)


async def bench(args: argparse.Namespace) -> Report:
    time_scale = args.turn_seconds / MEAN_TURN_API_SECONDS
    raise_fd_limit(args.streams * 2 + 512)
    env = {
        "NEMO_FAKE_CLOCK": "scaled",
        "NEMO_FAKE_TIME_SCALE": str(time_scale),
        "NEMO_FAKE_HEARTBEAT": "json",
        "NEMO_FAKE_HEARTBEAT_INTERVAL": str(args.heartbeat_interval),
        "NEMO_FAKE_SEED": "1",
    }
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    report = Report(streams=args.streams)
    report.config = {
        "time_scale": time_scale,
        "heartbeat_interval_api_s": args.heartbeat_interval,
        "heartbeat_interval_real_s": round(args.heartbeat_interval * time_scale, 4),
        "target_turn_seconds": args.turn_seconds,
        "timeout_s": args.timeout,
        "client": args.client,
    }
    report.machine = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    report.machine["fd_limit"] = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    argv = [str(VENV_BIN / "nemo-fake"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    proc = Proc("nemo-fake-sse", argv, env=env, log_name=f"nemo-fake-sse-{args.streams}.log")
    began = time.monotonic()
    results: list[StreamResult] = []
    sampler = PeakSampler(proc.pid)
    try:
        await wait_ready(base, proc, 30)
        limits = httpx.Limits(
            max_connections=args.streams + 20, max_keepalive_connections=args.streams + 20
        )
        timeout = httpx.Timeout(args.timeout, connect=30)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=timeout) as client:
            account = (
                await client.post(
                    "/_fake/accounts", json={"kind": "registered", "credits": 100 * args.streams}
                )
            ).json()
            headers = {"Authorization": f"Bearer {account['token']}"}
            sessions = []
            for _ in range(args.streams):
                created = await client.post(
                    "/api/tasks/me/with-session/nemo_agent",
                    headers=headers,
                    json={"task_name": "bench"},
                )
                sessions.append(created.json()["data"]["session_id"])
            report.server_rss_baseline_mb = rss_mb(proc.pid)[0]
            report.setup_seconds = round(time.monotonic() - began, 3)
            sampler.start()
            cpu_before, client_before = cpu_seconds(proc.pid), time.process_time()
            started = time.monotonic()
            token = account["token"]
            tasks = [
                asyncio.ensure_future(
                    stream_raw(port, token, sid, f"generate a video of scene {i}")
                    if args.client == "raw"
                    else stream_httpx(client, token, sid, f"generate a video of scene {i}")
                )
                for i, sid in enumerate(sessions)
            ]
            done, pending = await asyncio.wait(tasks, timeout=args.timeout)
            report.timed_out = bool(pending)
            for task in pending:
                task.cancel()
            report.wall_seconds = round(time.monotonic() - started, 3)
            cpu_after = cpu_seconds(proc.pid)
            if cpu_before is not None and cpu_after is not None:
                report.server_cpu_seconds = round(cpu_after - cpu_before, 2)
            report.client_cpu_seconds = round(time.process_time() - client_before, 2)
            await sampler.stop()
            results = [t.result() for t in done if not t.cancelled()]
            results += [StreamResult(error="timeout") for _ in pending]
    finally:
        proc.stop()
    report.completed = sum(r.ok for r in results)
    report.dropped = report.streams - report.completed
    for r in results:
        if r.error:
            report.errors[r.error] = report.errors.get(r.error, 0) + 1
    report.frames_total = sum(r.frames for r in results)
    report.heartbeats_total = sum(r.heartbeats for r in results)
    report.events_total = sum(r.events for r in results)
    ok = [r for r in results if r.ok]
    report.turn_seconds_p50 = percentile([r.duration_s for r in ok], 0.5)
    report.turn_seconds_max = percentile([r.duration_s for r in ok], 1.0)
    first = [r.first_byte_s for r in results if r.first_byte_s is not None]
    report.first_byte_p50_s = percentile(first, 0.5)
    report.first_byte_max_s = percentile(first, 1.0)
    report.server_rss_peak_mb = round(sampler.peak, 1)
    report.server_rss_peak_source = sampler.source
    if report.server_rss_baseline_mb is not None:
        report.server_rss_baseline_mb = round(report.server_rss_baseline_mb, 1)
    return report


def run_levels(
    levels: list[int],
    *,
    turn_seconds: float = 10.0,
    heartbeat_interval: float = 5.0,
    timeout: float = 120.0,
    client: str = "raw",
) -> list[dict[str, Any]]:
    """One fresh server per level, one level after the other."""
    out = []
    for streams in levels:
        args = argparse.Namespace(
            streams=streams,
            turn_seconds=turn_seconds,
            heartbeat_interval=heartbeat_interval,
            timeout=timeout,
            client=client,
        )
        out.append(asdict(asyncio.run(bench(args))))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--streams", type=int, nargs="+", default=[500], help="concurrent /run_sse streams"
    )
    parser.add_argument(
        "--turn-seconds", type=float, default=10.0, help="real seconds an average turn lasts"
    )
    parser.add_argument(
        "--heartbeat-interval", type=float, default=5.0, help="API seconds between heartbeats"
    )
    parser.add_argument(
        "--timeout", type=float, default=120.0, help="real seconds before a level gives up"
    )
    parser.add_argument(
        "--client",
        choices=("raw", "httpx"),
        default="raw",
        help="raw asyncio sockets (cheap) or httpx",
    )
    parser.add_argument("--out", type=Path, help="also write the JSON result here")
    args = parser.parse_args()
    reports = run_levels(
        args.streams,
        turn_seconds=args.turn_seconds,
        heartbeat_interval=args.heartbeat_interval,
        timeout=args.timeout,
        client=args.client,
    )
    text = json.dumps(reports, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    sys.exit(0 if all(r["dropped"] == 0 for r in reports) else 1)


if __name__ == "__main__":
    main()
