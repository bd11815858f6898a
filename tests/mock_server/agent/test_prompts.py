"""Every labelled prompt through `/run_sse` on a fresh fake, judged by what the turn did
and by the draft afterwards; the pass rate per label is printed and must be ≥ 95 % for
every label. The shared examples (`../shared/prompts/examples.jsonl`) and this folder's
own prompt sets (`prompts_own.jsonl`, and `prompts_heldout.jsonl`, written after the
agent to measure it on prompts it was not built from)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.mock_server.agent.prompt_judge import OWN, examples_file, judge, load, rates, report

HELD_OUT = OWN.with_name("prompts_heldout.jsonl")
THRESHOLD = 0.95


def _run(name: str, path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    verdicts = [judge(row) for row in load(path)]
    text = report(name, verdicts)
    with capsys.disabled():
        print("\n" + text)
    low = {label: f"{ok}/{n}" for label, (ok, n) in rates(verdicts).items() if ok < THRESHOLD * n}
    assert not low, f"labels below {THRESHOLD:.0%}: {low}\n{text}"


def test_shared_examples(capsys: pytest.CaptureFixture[str]) -> None:
    path = examples_file()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("../shared/prompts/examples.jsonl is missing")
        pytest.skip("../shared/prompts/examples.jsonl is not beside this clone")
    _run("shared examples", path, capsys)


@pytest.mark.parametrize("path", [OWN, HELD_OUT], ids=["own", "held-out"])
def test_own_prompts(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _run(path.stem, path, capsys)
