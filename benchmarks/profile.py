"""Profile a running server with py-spy (sampling, no restart) and summarise the samples:
top frames by own time, shares by layer, and the share of the journal + fault middleware.

py-spy's `raw` output is one line per distinct stack: `frame;frame;...;leaf count`, where
a frame reads `function (path/to/file.py:line)`.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.common import Proc

# Layers a sample's own time (its leaf frame) belongs to, first match wins.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("journal + fault middleware", ("mock_server/http/middleware.py", "mock_server/journal.py")),
    # the fake's own HTTP protocol (limits, the one send per response): the HTTP layer
    ("uvicorn + httptools + uvloop (HTTP, sockets)", ("mock_server/http/protocol.py",)),
    ("JSON encode/decode (stdlib json)", ("json/",)),
    ("the fake's routes and domain", ("mock_server/", "client/")),
    ("FastAPI + Starlette (routing, DI, responses)", ("fastapi/", "starlette/")),
    (
        "uvicorn + httptools + uvloop (HTTP, sockets)",
        ("uvicorn/", "httptools", "uvloop", "asyncio/"),
    ),
    ("pydantic", ("pydantic",)),
]
JOURNAL_FILES = (
    "mock_server/http/middleware.py",
    "mock_server/journal.py",
    "mock_server/faults.py",
)
# Frames that end the journal middleware's own part of a stack: the app it wraps, and the
# server's `send` it forwards to.
NOT_JOURNAL = (
    "AdminGuard.__call__",  # the app the journal middleware wraps (http/admin_guard.py)
    "ExceptionMiddleware.__call__",
    "RequestResponseCycle.send",
    "ServerErrorMiddleware.__call__.<locals>._send",
)
_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")


def record(py_spy: str, pid: int, seconds: float, out: Path, rate: int = 100) -> Proc:
    """Start `py-spy record` on `pid` for `seconds`; the caller waits for it."""
    argv = [py_spy, "record", "-p", str(pid), "-d", str(int(seconds)), "-r", str(rate)]
    return Proc("py-spy", [*argv, "-f", "raw", "-o", str(out)])


def _split(frame: str) -> tuple[str, str]:
    match = _FRAME.match(frame.strip())
    if not match:
        return frame.strip(), ""
    return match.group("func"), match.group("file")


def _layer(file: str) -> str:
    for name, needles in LAYERS:
        if any(n in file for n in needles):
            return name
    return "other (interpreter, GC, stdlib)"


def _journal_owns(frames: list[tuple[str, str]]) -> bool:
    for func, file in reversed(frames):  # leaf first
        if any(file.endswith(j) or j in file for j in JOURNAL_FILES):
            return True
        if func in NOT_JOURNAL:
            return False
    return False


def analyse(raw: Path, top: int = 15) -> dict[str, Any]:
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    layers: Counter[str] = Counter()
    journal = total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_split(f) for f in stack.split(";") if f]
        if not frames:
            continue
        total += count
        func, file = frames[-1]
        own[f"{func} ({file})"] += count
        layers[_layer(file)] += count
        for name in {f"{fn} ({fl})" for fn, fl in frames if fl.startswith("mock_server/")}:
            inclusive[name] += count
        journal += count if _journal_owns(frames) else 0

    def share(n: int) -> float:
        return round(100 * n / total, 1) if total else 0.0

    return {
        "samples": total,
        "top_own": [{"frame": f, "share_pct": share(n)} for f, n in own.most_common(top)],
        "layers": [{"layer": k, "share_pct": share(n)} for k, n in layers.most_common()],
        "top_inclusive_fake": [
            {"frame": f, "share_pct": share(n)} for f, n in inclusive.most_common(8)
        ],
        "journal_middleware_pct": share(journal),
    }
