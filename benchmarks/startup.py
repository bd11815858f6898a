"""Start-up: seconds from process start (just before exec) to the first good answer —
`GET /_fake/health` = 200 for the fake, the stubbed `GET /api/credits/balance/simple` =
200 for each peer — polled in a tight loop (2 ms between attempts, each attempt bounded,
60 s at most). Median of 3 cold starts each, one server at a time. Plus where the fake's
own start-up goes: `python -X importtime` of the `nemo-fake serve` import path.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

from benchmarks import servers
from benchmarks.common import HOST, ROOT, free_port, http_get, log, median, poll
from benchmarks.servers import CREDITS_PATH, Captured, Server

IMPORT_PROBE = """
import mock_server.cli, uvicorn, uvicorn.loops.uvloop, uvicorn.protocols.http.httptools_impl
from mock_server.config import FakeConfig
from mock_server.fake import Fake
from mock_server.app import build_app
fake = Fake(FakeConfig())
build_app(fake)
fake.close()
import sys
heavy = ("av", "numpy", "PIL", "yaml", "schemathesis", "jsonschema", "httpx", "rich")
print("LOADED", ",".join(m for m in heavy if m in sys.modules))
"""


def _server(name: str, port: int, captured: Captured) -> Server:
    if name == "nemo-fake":
        return servers.fake(port)
    if name == "wiremock":
        return servers.wiremock(port, captured)
    if name == "prism":
        return servers.prism(port)
    return servers.mockoon(port, captured)


def first_good_answer(name: str, captured: Captured, tag: str) -> float:
    port = free_port()
    server = _server(name, port, captured)
    if name == "nemo-fake":
        path, headers = "/_fake/health", {}
    else:
        path, headers = CREDITS_PATH, {"Authorization": f"Bearer {captured.token}"}

    def good() -> float | None:
        reply = http_get(port, path, headers, timeout=10)
        if reply is not None and reply[0] == 200:
            return time.perf_counter()
        return None

    proc = server.start(tag)
    try:
        answered = poll(good, timeout=60, interval=0.002, alive=proc.alive)
        return answered - proc.started
    finally:
        proc.stop()


def import_profile() -> dict[str, Any]:
    """Import time of the server path (ms) and the packages that cost most (each one's
    cumulative time where it was first imported; nested packages count in both)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", IMPORT_PROBE],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )
    total = 0.0
    packages: dict[str, float] = {}  # a package's own cumulative import time, where first imported
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line[len("import time:") :].split("|")
        ms = int(cumulative) / 1000
        if not name.startswith("  "):  # top level: nested ones are in their importer's time
            total += ms
        module = name.strip()
        if "." not in module and not module.startswith("_"):
            packages[module] = max(packages.get(module, 0.0), ms)
    loaded = next(
        (ln.split(" ", 1)[1] for ln in done.stdout.splitlines() if ln.startswith("LOADED")), ""
    )
    ranked = sorted(packages.items(), key=lambda kv: -kv[1])
    return {
        "total_ms": round(total, 1),
        "top": [{"module": k, "ms": round(v, 1)} for k, v in ranked[:10]],
        "heavy_modules_loaded": [m for m in loaded.split(",") if m],
    }


def run(names: list[str], captured: Captured | None, reps: int = 3) -> dict[str, Any]:
    captured = captured or Captured.example()
    out: dict[str, Any] = {"servers": {}, "reps": reps, "host": HOST}
    for name in names:
        times = []
        for i in range(reps):
            try:
                times.append(first_good_answer(name, captured, f"-start{i}"))
            except (TimeoutError, RuntimeError) as exc:
                log(f"  {name} start {i} failed: {exc}")
        seconds = median(times)
        out["servers"][name] = {
            "seconds": [round(t, 3) for t in times],
            "median_s": None if seconds is None else round(seconds, 3),
        }
        log(f"startup: {name} {out['servers'][name]['seconds']}")
    out["fake_imports"] = import_profile()
    fake = out["servers"].get("nemo-fake", {}).get("median_s")
    others = {n: r["median_s"] for n, r in out["servers"].items() if n != "nemo-fake"}
    out["fake_first"] = fake is not None and all(v is None or fake < v for v in others.values())
    return out


if __name__ == "__main__":
    print(json.dumps(run(["nemo-fake"], None), indent=2))
