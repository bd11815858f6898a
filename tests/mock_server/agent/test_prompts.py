"""Every labelled prompt through `/run_sse` on a fresh fake, judged by what the turn did
and by the draft afterwards; the pass rate of each label is printed and must be ≥ 95 %.
The shared examples (`../shared/prompts/examples.jsonl`) and this folder's own prompt
sets (`prompts_own.jsonl`, and `prompts_heldout.jsonl`, written after the agent to
measure it on prompts it was not built from). One test per (file, label), so the labels
run in parallel."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.mock_server.agent.prompt_judge import OWN, examples_file, judge, load, rates, report

HELD_OUT = OWN.with_name("prompts_heldout.jsonl")
LABELS = ("generate", "edit", "needs_upload", "question", "export")
THRESHOLD = 0.95


def _run(name: str, path: Path, label: str, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [row for row in load(path) if row["label"] == label]
    assert rows, f"no {label} prompts in {path.name}"
    verdicts = [judge(row) for row in rows]
    text = report(name, verdicts)
    with capsys.disabled():
        print("\n" + text)
    ok, n = rates(verdicts)[label]
    assert ok >= THRESHOLD * n, f"{label}: {ok}/{n} below {THRESHOLD:.0%}\n{text}"


@pytest.mark.parametrize("label", LABELS)
def test_shared_examples(label: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = examples_file()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("../shared/prompts/examples.jsonl is missing")
        pytest.skip("../shared/prompts/examples.jsonl is not beside this clone")
    _run("shared examples", path, label, capsys)


@pytest.mark.parametrize("label", LABELS)
@pytest.mark.parametrize("path", [OWN, HELD_OUT], ids=["own", "held-out"])
def test_own_prompts(path: Path, label: str, capsys: pytest.CaptureFixture[str]) -> None:
    _run(path.stem, path, label, capsys)
