"""How long the fake agent takes to understand a message: `understand()` over every
labelled prompt (the shared examples when present, the agent's own sets), in a fresh
process (the first pass compiles what it has not seen) and then warm (best of 5 per
message). Target: well under 10 ms per message."""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT

PROMPT_FILES = [
    ROOT.parent / "shared" / "prompts" / "examples.jsonl",
    ROOT / "tests" / "mock_server" / "agent" / "prompts_own.jsonl",
    ROOT / "tests" / "mock_server" / "agent" / "prompts_heldout.jsonl",
]


def prompts(files: list[Path] = PROMPT_FILES) -> list[str]:
    out = []
    for path in files:
        if path.is_file():
            out += [json.loads(line)["prompt"] for line in path.read_text("utf-8").splitlines()]
    return out


def _ms(fn: Any, text: str) -> float:
    started = time.perf_counter()
    fn(text)
    return (time.perf_counter() - started) * 1000


def run(repeats: int = 5) -> dict[str, Any]:
    from mock_server.agent.understand import read as understand  # uncached: the reading itself

    texts = prompts()
    cold = [_ms(understand, t) for t in texts]
    warm = [min(_ms(understand, t) for _ in range(repeats)) for t in texts]
    ranked = sorted(warm)
    return {
        "messages": len(texts),
        "cold_max_ms": round(max(cold), 3),
        "warm_mean_ms": round(statistics.mean(warm), 3),
        "warm_p99_ms": round(ranked[int(0.99 * (len(ranked) - 1))], 3),
        "warm_max_ms": round(max(warm), 3),
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
