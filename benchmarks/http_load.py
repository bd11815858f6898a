"""Throughput and latency: `wrk -t2 -c64 -d10s --latency`, three runs, median req/s and p99,
one server at a time on 127.0.0.1.

Endpoints: `GET /api/credits/balance/simple` and `GET /api/state/nemo_agent/me/<sid>/latest`
for a session whose 3-track draft (video, BGM, title) was built through the fake's own
API (a generation turn on a scaled clock), with the fake's bearer token in the header.
WireMock and Mockoon return the fake's exact bytes; Prism returns the contract's example.
Then the fake alone: the stateful `POST /api/tasks/me/with-session/nemo_agent` (a wrk
Lua script sets the body), and a py-spy profile of it under load on the state endpoint.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import profile, servers, wrk
from benchmarks.common import (
    BENCH,
    HOST,
    WORK,
    Proc,
    free_port,
    http_call,
    http_get,
    log,
    median,
    peak_rss_mb,
    poll,
    ratio,
)
from benchmarks.servers import CREDITS_PATH, Captured, Server

POST_PATH = "/api/tasks/me/with-session/nemo_agent"
POST_SCRIPT = BENCH / "post_session.lua"
PROMPT = "make a 10-second video of a sunset"


@dataclass
class LoadConfig:
    duration: float = 10.0
    runs: int = 3
    warmup: float = 1.0  # seconds of wrk before the measured runs, per endpoint
    jvm_warmup: float = 4.0  # WireMock: the JIT needs longer
    profile_seconds: float = 5.0
    peers: tuple[str, ...] = ("wiremock", "prism", "mockoon")


def _json(reply: tuple[int, dict[str, str], bytes] | None) -> Any:
    if reply is None:
        raise RuntimeError("no answer")
    return json.loads(reply[2])


def setup_fake(port: int) -> tuple[Captured, str]:
    """Two registered accounts; the first gets a session with a generated 3-track draft.
    Returns the captured GET responses and the second account's token (for the POST)."""
    post = {"Content-Type": "application/json"}
    minted = _json(
        http_call(port, "POST", "/_fake/accounts", post, b'{"kind":"registered","credits":100000}')
    )
    token = minted["token"]
    auth = {"Authorization": f"Bearer {token}"}
    created = _json(http_call(port, "POST", POST_PATH, {**auth, **post}, b'{"task_name":"bench"}'))
    sid = created["data"]["session_id"]
    run = {
        "app_name": "nemo_agent",
        "user_id": "me",
        "session_id": sid,
        "new_message": {"parts": [{"text": PROMPT}]},
    }
    stream = http_call(
        port,
        "POST",
        "/run_sse",
        {**auth, **post, "Accept": "text/event-stream"},
        json.dumps(run).encode(),
        timeout=60,
    )
    if stream is None or b"Your video is ready" not in stream[2]:
        raise RuntimeError(f"the generation turn did not finish: {stream!r:.500}")
    state_path = f"/api/state/nemo_agent/me/{sid}/latest"
    state = http_get(port, state_path, auth)
    credits = http_get(port, CREDITS_PATH, auth)
    assert state is not None and credits is not None
    tracks = json.loads(state[2])["data"]["state"]["draft"]["t"]
    if [t["tt"] for t in tracks] != [0, 1, 7]:
        raise RuntimeError(f"expected a video, BGM and title track, got {tracks}")
    other = _json(
        http_call(port, "POST", "/_fake/accounts", post, b'{"kind":"registered","credits":0}')
    )
    return Captured(token, state_path, credits[2], state[2]), other["token"]


def _wait_ready(proc: Proc, port: int, path: str, headers: dict[str, str]) -> None:
    def good() -> bool | None:
        reply = http_get(port, path, headers, timeout=10)
        return True if reply is not None and reply[0] == 200 else None

    poll(good, timeout=90, interval=0.05, alive=proc.alive)


def _measure(
    url: str, headers: dict[str, str], cfg: LoadConfig, warmup: float, script: Path | None = None
) -> dict[str, Any]:
    if warmup > 0:
        wrk.run(url, duration=warmup, headers=headers, script=script)
    runs = [
        wrk.run(url, duration=cfg.duration, headers=headers, script=script) for _ in range(cfg.runs)
    ]
    return {
        "median_rps": round(median([r.requests_per_s for r in runs]) or 0, 1),
        "median_p99_ms": median([r.p99_ms for r in runs if r.p99_ms is not None]),
        "median_p50_ms": median([r.p50_ms for r in runs if r.p50_ms is not None]),
        "non_2xx": sum(r.non_2xx for r in runs),
        "socket_errors": sum(r.socket_errors for r in runs),
        "runs": [r.to_dict() for r in runs],
    }


def _check(port: int, path: str, headers: dict[str, str], expected: bytes) -> dict[str, Any]:
    reply = http_get(port, path, headers)
    if reply is None or reply[0] != 200:
        raise RuntimeError(f"GET {path} on :{port} -> {reply!r:.300}")
    body = reply[2]
    envelope = json.loads(body)
    return {
        "status": reply[0],
        "bytes": len(body),
        "content_type": reply[1].get("content-type"),
        "same_bytes_as_fake": body == expected,
        "envelope_code": envelope.get("code") if isinstance(envelope, dict) else None,
    }


def _bench_server(
    server: Server,
    proc: Proc,
    captured: Captured,
    cfg: LoadConfig,
    extra: dict[str, Any],
) -> dict[str, Any]:
    """Check both GETs, warm both up (so a JIT has seen every route before any run
    counts), then measure each."""
    headers = {"Authorization": f"Bearer {captured.token}"}
    warmup = cfg.jvm_warmup if server.name == "wiremock" else cfg.warmup
    out: dict[str, Any] = {"version": server.version, "note": server.note, "endpoints": {}}
    out.update(extra)
    endpoints = {"credits": (CREDITS_PATH, captured.credits)}
    endpoints["state"] = (captured.state_path, captured.state)
    base = f"http://{HOST}:{server.port}"
    checks = {
        key: _check(server.port, path, headers, body) for key, (path, body) in endpoints.items()
    }
    log(f"  {server.name}: warm-up {warmup:g} s per endpoint")
    for path, _ in endpoints.values():
        wrk.run(f"{base}{path}", duration=warmup, headers=headers)
    for key, (path, _) in endpoints.items():
        result = _measure(f"{base}{path}", headers, cfg, 0)
        out["endpoints"][key] = {**checks[key], **result}
        log(
            f"  {server.name} {key}: {checks[key]['bytes']} bytes, {result['median_rps']} req/s, "
            f"p99 {result['median_p99_ms']} ms"
        )
    out["peak_rss_mb"] = peak_rss_mb(proc.pid)
    return out


def _bench_fake(cfg: LoadConfig, py_spy: str | None) -> tuple[dict[str, Any], Captured]:
    server = servers.fake(free_port(), scaled=True)
    with server.start("-load") as proc:
        _wait_ready(proc, server.port, "/_fake/health", {})
        captured, post_token = setup_fake(server.port)
        result = _bench_server(server, proc, captured, cfg, {})
        url = f"http://{HOST}:{server.port}"
        post_headers = {"Authorization": f"Bearer {post_token}"}
        log(f"  nemo-fake POST {POST_PATH}: {cfg.runs} runs")
        post = _measure(f"{url}{POST_PATH}", post_headers, cfg, cfg.warmup, POST_SCRIPT)
        result["endpoints"]["create_session"] = post
        log(
            f"  nemo-fake create_session: {post['median_rps']} req/s, p99 {post['median_p99_ms']} ms"
        )
        if py_spy is not None:
            result["profile"] = _profile(py_spy, proc, f"{url}{captured.state_path}", captured, cfg)
        result["peak_rss_mb"] = peak_rss_mb(proc.pid)
    # what the server printed while serving ~10^5 requests: its two start-up lines only
    result["log_lines"] = len(proc.log_path.read_text(errors="replace").splitlines())
    return result, captured


def _profile(
    py_spy: str, proc: Proc, url: str, captured: Captured, cfg: LoadConfig
) -> dict[str, Any]:
    raw = WORK / "profile-state.txt"
    raw.unlink(missing_ok=True)
    log(f"  profiling nemo-fake under load for {cfg.profile_seconds:g} s (py-spy, 100 Hz)")
    spy = profile.record(py_spy, proc.pid, cfg.profile_seconds, raw)
    time.sleep(0.5)  # attached before the load starts
    headers = {"Authorization": f"Bearer {captured.token}"}
    under = wrk.run(url, duration=cfg.profile_seconds, headers=headers)
    spy.wait(30)
    spy.stop()
    if not raw.exists():
        return {"error": spy.log_tail()}
    summary = profile.analyse(raw)
    summary["rps_while_sampled"] = under.requests_per_s
    summary["endpoint"] = "state"
    return summary


def _bench_peer(name: str, captured: Captured, cfg: LoadConfig) -> dict[str, Any]:
    port = free_port()
    extra: dict[str, Any] = {}
    if name == "wiremock":
        server = servers.wiremock(port, captured)
    elif name == "mockoon":
        server = servers.mockoon(port, captured)
    else:
        server = servers.prism(port)
        extra["input"] = "contracts/openapi.yaml (OpenAPI 3.1.0, unchanged)"
    headers = {"Authorization": f"Bearer {captured.token}"}
    proc = server.start("-load")
    try:
        try:
            _wait_ready(proc, port, CREDITS_PATH, headers)
        except (TimeoutError, RuntimeError) as exc:
            if name != "prism":
                raise
            problem = servers.prism_log_problems(proc.log_tail(60)) or str(exc)
            proc.stop()
            log(f"  prism could not serve the 3.1 contract ({problem!r}); trying a 3.0 copy")
            server = servers.prism(port, servers.openapi_30_copy())
            extra["input"] = "a derived OpenAPI 3.0 copy (see openapi_30_copy)"
            extra["loads_contract_unchanged"] = False
            extra["why_not"] = problem
            proc = server.start("-load-30")
            _wait_ready(proc, port, CREDITS_PATH, headers)
        else:
            if name == "prism":
                extra["loads_contract_unchanged"] = True
        return _bench_server(server, proc, captured, cfg, extra)
    finally:
        proc.stop()


def run(cfg: LoadConfig, py_spy: str | None) -> dict[str, Any]:
    results: dict[str, Any] = {
        "config": {
            "wrk": f"wrk -t2 -c64 -d{cfg.duration:g}s --latency",
            "runs": cfg.runs,
            "warmup_s": cfg.warmup,
            "wiremock_warmup_s": cfg.jvm_warmup,
        },
        "servers": {},
    }
    log("http: nemo-fake")
    fake_result, captured = _bench_fake(cfg, py_spy)
    results["servers"]["nemo-fake"] = fake_result
    for name in cfg.peers:
        log(f"http: {name}")
        try:
            results["servers"][name] = _bench_peer(name, captured, cfg)
        except Exception as exc:
            log(f"  {name} failed: {exc}")
            results["servers"][name] = {"error": f"{type(exc).__name__}: {exc}"}
    results["ratios"] = ratios(results["servers"])
    results["_captured"] = [captured]  # for the start-up section's stubs; not in the report
    return results


def ratios(by_server: dict[str, Any]) -> dict[str, Any]:
    """The fake's req/s over each peer's (higher is better for the fake) and its p99 over
    theirs (lower is better)."""
    fake = by_server.get("nemo-fake", {}).get("endpoints", {})
    out: dict[str, Any] = {}
    for name, result in by_server.items():
        if name == "nemo-fake" or "endpoints" not in result:
            continue
        for key in ("credits", "state"):
            mine, theirs = fake.get(key, {}), result["endpoints"].get(key, {})
            out.setdefault(name, {})[key] = {
                "rps_ratio": _round(ratio(mine.get("median_rps"), theirs.get("median_rps"))),
                "p99_ratio": _round(ratio(mine.get("median_p99_ms"), theirs.get("median_p99_ms"))),
            }
    return out


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
