"""Run `wrk` against a loopback URL and parse its `--latency` report."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchmarks.common import Proc

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass
class WrkResult:
    requests_per_s: float
    requests: int
    p50_ms: float | None
    p75_ms: float | None
    p90_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    non_2xx: int
    socket_errors: int
    duration_s: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _ms(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value.strip())
    if not match:
        raise ValueError(f"not a wrk duration: {value!r}")
    return round(float(match.group(1)) * UNITS[match.group(2)], 3)


def parse(text: str) -> WrkResult:
    def pct(p: int) -> float | None:
        match = re.search(rf"^\s+{p}%\s+(\S+)", text, re.M)
        return _ms(match.group(1)) if match else None

    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    total = re.search(r"(\d+) requests in ([\d.]+)(\w+)", text)
    latency = re.search(r"^\s+Latency\s+\S+\s+\S+\s+(\S+)", text, re.M)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    if rps is None or total is None:
        raise ValueError(f"unexpected wrk output:\n{text}")
    return WrkResult(
        requests_per_s=float(rps.group(1)),
        requests=int(total.group(1)),
        p50_ms=pct(50),
        p75_ms=pct(75),
        p90_ms=pct(90),
        p99_ms=pct(99),
        max_ms=_ms(latency.group(1)) if latency else None,
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(x) for x in errors.groups()) if errors else 0,
        duration_s=_ms(total.group(2) + total.group(3)) / 1000,
    )


def run(
    url: str,
    *,
    duration: float,
    headers: dict[str, str] | None = None,
    threads: int = 2,
    connections: int = 64,
    script: Path | None = None,
    name: str = "wrk",
) -> WrkResult:
    """`wrk -t2 -c64 -d<duration>s --latency` (bounded: killed after duration + 15 s)."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError(f"loopback only: {url}")
    seconds = max(1, round(duration))  # wrk takes whole seconds
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    argv += ["--timeout", "5s"]
    for key, value in (headers or {}).items():
        argv += ["-H", f"{key}: {value}"]
    if script is not None:
        argv += ["-s", str(script)]
    proc = Proc(name, [*argv, url])
    code = proc.wait(seconds + 15)
    proc.stop()
    text = proc.log_path.read_text(errors="replace")
    if code != 0:
        raise RuntimeError(
            f"wrk {'timed out' if code is None else f'failed ({code})'} on {url}:\n{text}"
        )
    return parse(text)
