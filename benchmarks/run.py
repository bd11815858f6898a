"""`make bench`: install what is missing, run every section, write ONE markdown + JSON
report under benchmarks/results/ (bench-<date>.md / .json; a subset or --quick run adds a
suffix so it never overwrites the full report).

    .venv/bin/python -m benchmarks.run                       # everything (~9 minutes)
    .venv/bin/python -m benchmarks.run --only http startup   # a subset
    .venv/bin/python -m benchmarks.run --skip-test-suite     # all but `make test`
    .venv/bin/python -m benchmarks.run --quick               # a fast smoke run

Sections: http (throughput/latency vs WireMock, Prism, Mockoon; profile), startup,
sse (500/1,000/2,000 streams), inprocess (seeds' flow vs respx floor), render (vs the
PyAV encoder floor), suite (`make test`). See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import (
    agent_understanding,
    http_load,
    inprocess,
    install,
    render_bench,
    report,
    sse_streams,
    startup,
    stores,
)
from benchmarks import suite as test_suite
from benchmarks.common import BENCH, ROOT, CpuShare, load_average, log, machine
from benchmarks.servers import Captured

SECTIONS = ("http", "startup", "sse", "inprocess", "agent", "render", "suite", "stores")
PEERS = ("wiremock", "prism", "mockoon")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", nargs="+", choices=SECTIONS, help="run only these sections")
    parser.add_argument("--skip", nargs="+", choices=SECTIONS, default=[], help="skip these")
    parser.add_argument("--skip-test-suite", action="store_true", help="same as --skip suite")
    parser.add_argument(
        "--peers", nargs="+", choices=PEERS, default=list(PEERS), help="peers to compare with"
    )
    parser.add_argument("--quick", action="store_true", help="short runs: a smoke test only")
    parser.add_argument("--no-install", action="store_true", help="use what is installed")
    parser.add_argument("--out", type=Path, default=BENCH / "results", help="report folder")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    began = time.perf_counter()
    sections = [s for s in (args.only or SECTIONS) if s not in args.skip]
    if args.skip_test_suite and "suite" in sections:
        sections.remove("suite")
    needs_peers = bool(args.peers) and bool({"http", "startup", "stores"} & set(sections))
    needs_wrk = bool({"http", "stores"} & set(sections))
    results: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "started_at": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": machine(),
        "sections": sections,
        "quick": args.quick,
        "peers": args.peers,
        "load_at_start": load_average(),
        "cpu_share": {},
        "errors": {},
    }
    log(f"sections: {', '.join(sections)}{' (quick)' if args.quick else ''}")

    share = CpuShare()
    try:
        results["install"] = (
            {"skipped": True, "py_spy": install.installed_py_spy()}
            if args.no_install
            else install.install(wrk=needs_wrk, peers=needs_peers, py_spy=needs_wrk)
        )
    except install.InstallError as exc:
        log(f"install failed: {exc}")
        results["errors"]["install"] = str(exc)
        return _finish(results, args, began)
    results["versions"] = install.versions()
    results["cpu_share"]["install"] = share.stop()

    captured: list[Captured] = []

    def http() -> Any:
        cfg = http_load.LoadConfig(peers=tuple(args.peers))
        if args.quick:
            cfg = http_load.LoadConfig(
                duration=2, runs=1, warmup=1, jvm_warmup=2, profile_seconds=2, peers=cfg.peers
            )
        result = http_load.run(cfg, results["install"].get("py_spy"))
        captured.extend(result.pop("_captured", []))
        return result

    def start() -> Any:
        names = ["nemo-fake", *args.peers]
        return startup.run(names, captured[0] if captured else None, reps=1 if args.quick else 3)

    def sse() -> Any:
        levels = [100, 200] if args.quick else [500, 1000, 2000]
        return sse_streams.run_levels(levels, turn_seconds=4 if args.quick else 6)

    def inproc() -> Any:
        return inprocess.run(iterations=3 if args.quick else 10, warmup=1 if args.quick else 2)

    def render() -> Any:
        reps = {"title_card": 1} if args.quick else None
        return render_bench.run(reps)

    def store_variants() -> Any:
        if args.quick:
            quick = http_load.LoadConfig(duration=2, runs=1, warmup=0.5, jvm_warmup=2)
            return stores.run(quick, counts=(1, 2))
        return stores.run(http_load.LoadConfig(duration=5, runs=2, warmup=1), counts=(1, 2, 4))

    runners: dict[str, Callable[[], Any]] = {
        "http": http,
        "startup": start,
        "sse": sse,
        "inprocess": inproc,
        "agent": agent_understanding.run,
        "render": render,
        "suite": test_suite.run,
        "stores": store_variants,
    }
    for name in sections:
        log(f"== {name}")
        share = CpuShare()
        try:
            results[name] = runners[name]()
        except Exception as exc:
            log(f"{name} failed: {exc}")
            results["errors"][name] = "".join(traceback.format_exception(exc))[-3000:]
        results["cpu_share"][name] = share.stop()
        log(f"== {name} done in {results['cpu_share'][name]['wall_s']} s")
    return _finish(results, args, began)


def _finish(results: dict[str, Any], args: argparse.Namespace, began: float) -> int:
    results["wall_s"] = round(time.perf_counter() - began, 1)
    full = set(results["sections"]) == set(SECTIONS) and not args.quick
    suffix = "" if full else "-" + ("quick" if args.quick else "-".join(results["sections"]))
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"bench-{results['date']}{suffix}"
    text = json.dumps(results, indent=2).replace(f"{ROOT}/", "")  # paths relative to the repo
    stem.with_suffix(".json").write_text(text + "\n", encoding="utf-8")
    stem.with_suffix(".md").write_text(report.markdown(results), encoding="utf-8")
    log(f"report: {stem}.md, {stem}.json ({results['wall_s']} s)")
    return 1 if results["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
