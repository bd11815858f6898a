"""Test suite: wall time of `make test` (lint, type-check and the whole pytest suite),
run once in its own process group, bounded to 15 minutes. `make -k`: a failing step (say
lint) does not skip the others, so the time is the whole suite's either way; the report
names the steps that failed."""

from __future__ import annotations

import re
import shutil
import time
from typing import Any

from benchmarks.common import ROOT, Proc

TIMEOUT = 900.0


def run() -> dict[str, Any]:
    make = shutil.which("make") or "make"
    started = time.perf_counter()
    proc = Proc("make-test", [make, "-k", "test"])
    code = proc.wait(TIMEOUT)
    wall = time.perf_counter() - started
    proc.stop()
    text = proc.log_path.read_text(errors="replace")
    summary = re.findall(r"^=*\s*(\d+ passed.*?)\s*=*$", text, re.M)
    failed = re.findall(r"make(?:\[\d+\])?: \*\*\* \[Makefile:\d+: (\w+)\]", text)
    return {
        "failed_steps": failed,
        "wall_s": round(wall, 1),
        "exit_code": code,
        "timed_out": code is None,
        "pytest_summary": summary[-1] if summary else None,
        "log": str(proc.log_path.relative_to(ROOT)),
    }
