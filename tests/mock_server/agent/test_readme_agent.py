"""The README's table of what the agent does with a message: every row, run through
`/run_sse` on a fresh fake and judged like the prompt sets."""

from __future__ import annotations

import re

import pytest

from tests.mock_server.agent.prompt_judge import ROOT, judge

README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README.split("## What the fake agent does with a message", 1)[1].split("\n## ", 1)[0]
ROW = re.compile(r"^\| `(?P<message>[^`]+)` \| (?P<to>[^|]+) \| (?P<does>[^|]+) \|$", re.M)
OUTCOMES = [
    ("generates", "generated"),
    ("regenerates", "generated"),
    ("asks what", "asked"),
    ("asks for the upload", "asked_upload"),
    ("answers", "answered"),
    ("edits", "edited"),
]
ROWS = [m.groupdict() for m in ROW.finditer(SECTION)]


def test_the_table_is_there() -> None:
    assert len(ROWS) >= 10


def checks_of(row: dict[str, str]) -> dict[str, object]:
    """The draft checks a row's description promises."""
    does, checks = row["does"], dict[str, object]()
    if m := re.search(r"(\d+) s clip", does):
        checks["seconds"] = int(m.group(1))
    if m := re.search(r"→ (\d+) s", does):
        checks.update(seconds_max=int(m.group(1)), keep_video=True)
    if m := re.search(r'titled "([^"]+)"', does):
        checks["text_contains"] = m.group(1)
    if "that text" in does:
        checks["text_contains"] = re.findall(r'"([^"]+)"', row["message"])[0]
    for word, check in (
        ("BGM", {"audio": True}),
        ("Subtitles", {"subtitles": True}),
        ("`grayscale`", {"fx": "grayscale"}),
        ("`sp` 2", {"speed": True}),
        ("fade", {"fade": True}),
        ("9:16", {"aspect": "9:16"}),
    ):
        if word in does:
            checks.update(check)
    return checks


@pytest.mark.parametrize("row", ROWS, ids=[r["message"][:30] for r in ROWS])
def test_readme_row(row: dict[str, str]) -> None:
    outcome = next(o for prefix, o in OUTCOMES if row["does"].startswith(prefix))
    label = "edit" if "with a" in row["to"] else "generate"
    checks = checks_of(row)
    verdict = judge(
        {
            "id": "readme",
            "prompt": row["message"],
            "label": label,
            "accept": [outcome],
            "checks": checks,
        }
    )
    assert verdict.passed, (verdict.problems, verdict.reply)
    if "Chinese" in row["does"]:
        assert re.search(r"[\u3400-\u9fff]", verdict.reply)
