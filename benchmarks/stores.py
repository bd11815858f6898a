"""Throughput per store and worker count: `nemo-fake serve --store … --workers N` for
memory (1 worker), SQLite and Redis (1, 2 and 4 workers), on the two GETs and the
session POST, beside WireMock serving the same bytes in the same run. A real
`redis-server` on a free loopback port, stopped by its process group.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from typing import Any

from benchmarks import http_load, servers
from benchmarks.common import HOST, WORK, Proc, free_port, log, peak_rss_mb, poll, ratio
from benchmarks.http_load import POST_PATH, POST_SCRIPT, LoadConfig

WORKER_COUNTS = (1, 2, 4)


@dataclass(frozen=True)
class Variant:
    store: str  # memory | sqlite | redis
    workers: int

    @property
    def name(self) -> str:
        return f"{self.store} x{self.workers}"


def variants(counts: tuple[int, ...] = WORKER_COUNTS) -> list[Variant]:
    shared = [Variant(s, n) for s in ("sqlite", "redis") for n in counts]
    return [Variant("memory", 1), *shared]


def _redis() -> tuple[Proc, str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed (bash tools/system-deps.sh)")
    port = free_port()
    proc = Proc(
        "redis-server",
        [binary, "--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no"],
        log_name="redis-bench.log",
    )

    def ready() -> bool | None:
        import socket

        try:
            with socket.create_connection((HOST, port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return True if s.recv(16).startswith(b"+PONG") else None
        except OSError:
            return None

    poll(ready, timeout=15, interval=0.05, alive=proc.alive)
    return proc, f"redis://{HOST}:{port}/0"


def _measure_variant(variant: Variant, redis_url: str, cfg: LoadConfig) -> dict[str, Any]:
    port = free_port()
    server = servers.fake(port, scaled=True)
    extra = ["--workers", str(variant.workers)]
    if variant.store == "sqlite":
        db = WORK / "stores" / f"fake-{variant.workers}.db"
        db.parent.mkdir(parents=True, exist_ok=True)
        for old in db.parent.glob(f"{db.name}*"):
            old.unlink() if old.is_file() else shutil.rmtree(old, ignore_errors=True)
        extra += ["--store", f"sqlite:///{db}"]
    elif variant.store == "redis":
        extra += ["--store", redis_url]
    server.argv.extend(extra)
    with server.start(f"-store-{variant.store}-{variant.workers}") as proc:
        http_load._wait_ready(proc, port, "/_fake/health", {})
        if variant.store == "redis":
            http_load.http_call(port, "POST", "/_fake/reset", {}, b"")
        captured, post_token = http_load.setup_fake(port)
        base = f"http://{HOST}:{port}"
        auth = {"Authorization": f"Bearer {captured.token}"}
        out: dict[str, Any] = {"argv_extra": " ".join(extra), "endpoints": {}}
        for key, path in (("credits", servers.CREDITS_PATH), ("state", captured.state_path)):
            out["endpoints"][key] = http_load._measure(f"{base}{path}", auth, cfg, cfg.warmup)
        post_auth = {"Authorization": f"Bearer {post_token}"}
        out["endpoints"]["create_session"] = http_load._measure(
            f"{base}{POST_PATH}", post_auth, cfg, cfg.warmup, POST_SCRIPT
        )
        out["peak_rss_mb"] = peak_rss_mb(proc.pid)
        summary = ", ".join(f"{k} {v['median_rps']}" for k, v in out["endpoints"].items())
        log(f"  {variant.name}: {summary} req/s")
        return out


def run(cfg: LoadConfig, counts: tuple[int, ...] = WORKER_COUNTS) -> dict[str, Any]:
    redis_proc, redis_url = _redis()
    results: dict[str, Any] = {"variants": {}, "config": {"runs": cfg.runs, "s": cfg.duration}}
    captured = None
    try:
        for variant in variants(counts):
            log(f"stores: {variant.name}")
            try:
                results["variants"][variant.name] = _measure_variant(variant, redis_url, cfg)
            except Exception as exc:
                log(f"  {variant.name} failed: {exc}")
                results["variants"][variant.name] = {"error": f"{type(exc).__name__}: {exc}"}
        # WireMock, same run, serving the bytes a memory fake answered
        port = free_port()
        fake = servers.fake(port, scaled=True)
        with fake.start("-stores-capture") as proc:
            http_load._wait_ready(proc, port, "/_fake/health", {})
            captured, _ = http_load.setup_fake(port)
        log("stores: wiremock")
        wm = http_load._bench_peer("wiremock", captured, cfg)
        results["wiremock"] = {k: v for k, v in wm.items() if k != "note"}
    finally:
        redis_proc.stop()
    results["ratios"] = ratios(results)
    return results


def ratios(results: dict[str, Any]) -> dict[str, Any]:
    """Each variant's req/s over WireMock's, per GET (higher is better for the fake)."""
    peer = results.get("wiremock", {}).get("endpoints", {})
    out: dict[str, Any] = {}
    for name, found in results.get("variants", {}).items():
        mine = found.get("endpoints", {})
        out[name] = {
            key: _round(
                ratio(mine.get(key, {}).get("median_rps"), peer.get(key, {}).get("median_rps"))
            )
            for key in ("credits", "state")
        }
    best = {
        key: max(
            ((name, r[key]) for name, r in out.items() if r.get(key) is not None),
            key=lambda item: item[1],
            default=(None, None),
        )
        for key in ("credits", "state")
    }
    out["_best"] = {k: {"variant": v[0], "ratio": v[1]} for k, v in best.items()}
    return out


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
