"""Keep the README true: every setting is documented, and every shell and Python block runs.

The convention (a block added later is picked up by itself):

- Every fenced block tagged `bash`, `sh`, `shell` or `python` in README.md is executable.
  Untagged blocks (```) are output and are not run.
- With no marker, the block is **run** by `test_the_readme_block_runs`: bash blocks with
  `bash -euo pipefail`, Python blocks with `python -c`, in a temporary copy of
  examples/consumer (a user's project: `tests/`, `video_app/`) that also holds a small
  `clip.mp4`, with `.venv/bin` first on PATH and `API` and `NEMO_API_URL` set to a fresh
  `nemo-fake serve` (scaled clock, small media) started for the block; every
  `http://127.0.0.1:8000` in the block is replaced by that URL. It must exit 0.
- An HTML comment on the line before the fence says otherwise:
  - `<!-- readme: extended -->` run as above, in `make test-extended` (a slow block);
  - `<!-- readme: test tests/path.py::test_name -->` another test runs the block or
    what it shows (the test must exist and read the README or run what it promises);
  - `<!-- readme: skip REASON -->` cannot run on a developer's machine (your own client,
    another language's toolchain); the reason is required.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mock_server.config import FakeConfig
from tests import servers

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
LANGUAGES = {"bash": "bash", "sh": "bash", "shell": "bash", "python": "python"}
MARKER = re.compile(r"<!--\s*readme:\s*(\w+)\s*(.*?)\s*-->")
FENCE = re.compile(r"^```(\w*)\s*$")
DOCUMENTED_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class Block:
    line: int  # of the opening fence, 1-based
    language: str  # bash | python
    code: str
    kind: str  # run | extended | test | skip
    argument: str

    @property
    def name(self) -> str:
        return f"README.md:{self.line}"


def readme_blocks(text: str = README) -> list[Block]:
    blocks: list[Block] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        end = next(i for i in range(index + 1, len(lines)) if lines[i].startswith("```"))
        language = LANGUAGES.get(opening.group(1))
        if language is not None:
            before = next((lines[i] for i in range(index - 1, -1, -1) if lines[i].strip()), "")
            marker = MARKER.search(before)
            kind, argument = (marker.group(1), marker.group(2)) if marker else ("run", "")
            code = "\n".join(lines[index + 1 : end]) + "\n"
            blocks.append(Block(index + 1, language, code, kind, argument))
        index = end + 1
    return blocks


BLOCKS = readme_blocks()


def test_every_setting_is_in_the_readme_table() -> None:
    documented = set(re.findall(r"`([a-z_0-9]+)`", README))
    missing = [name for name in FakeConfig.model_fields if name not in documented]
    assert not missing, f"README lacks settings: {missing}"


def test_set_up_commands_are_make_targets() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("serve", "test"):
        assert f"make {target}" in README
        assert re.search(rf"^{target}:", makefile, re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_the_convention_finds_blocks_and_markers() -> None:
    sample = (
        "```bash\necho one\n```\n\n<!-- readme: skip needs node -->\n```python\nprint(1)\n```\n"
        "```\noutput\n```\n<!-- readme: test tests/test_readme.py::test_x -->\n\n```sh\nls\n```\n"
    )
    found = [(b.language, b.kind, b.argument, b.code) for b in readme_blocks(sample)]
    assert found == [
        ("bash", "run", "", "echo one\n"),
        ("python", "skip", "needs node", "print(1)\n"),
        ("bash", "test", "tests/test_readme.py::test_x", "ls\n"),
    ]


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: b.name)
def test_every_block_has_a_known_marker(block: Block) -> None:
    assert block.kind in ("run", "extended", "test", "skip"), f"{block.name}: {block.kind}?"
    if block.kind == "skip":
        assert block.argument, f"{block.name}: `readme: skip` needs a reason"
    if block.kind == "test":
        path, _, name = block.argument.partition("::")
        source = (ROOT / path).read_text(encoding="utf-8") if (ROOT / path).is_file() else ""
        assert source, f"{block.name}: no test file {path}"
        assert not name or re.search(rf"^def {name}\b", source, re.M), f"{block.argument}?"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A user's project (examples/consumer) with a clip to upload."""
    from fixtures.media.make_samples import write_video

    folder = tmp_path / "project"
    shutil.copytree(
        ROOT / "examples" / "consumer", folder, ignore=shutil.ignore_patterns("__pycache__")
    )
    write_video(folder / "clip.mp4", seconds=1.0)
    return folder


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """A fresh `nemo-fake serve` for one block, stopped by its PID."""
    args = ["--clock", "scaled", "--time-scale", "0.001", "--media-max-side", "320"]
    with servers.served(*args, "--data-dir", str(tmp_path / "data"), defaults=True) as server:
        yield server.url


def run_block(block: Block, url: str, cwd: Path) -> None:
    code = block.code.replace(DOCUMENTED_URL, url)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEMO_", "COV_"))}
    env |= {"API": url, "NEMO_API_URL": url, "PYTHONPATH": str(cwd)}
    env["PATH"] = f"{ROOT / '.venv' / 'bin'}:{Path(sys.executable).parent}:{env.get('PATH', '')}"
    cmd = ["bash", "-euo", "pipefail", "-c", code]
    if block.language == "python":
        cmd = [sys.executable, "-c", code]
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, (
        f"{block.name} exited {result.returncode}\n--- block\n{code}\n--- stdout\n"
        f"{result.stdout[-3000:]}\n--- stderr\n{result.stderr[-3000:]}"
    )


def _needs_tools() -> None:
    missing = [tool for tool in ("curl", "jq", "uuidgen") if shutil.which(tool) is None]
    if missing and not os.environ.get("CI"):
        pytest.skip(f"missing {missing}: make system-deps installs them")


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.kind == "run"], ids=lambda b: b.name)
def test_the_readme_block_runs(block: Block, served: str, workspace: Path) -> None:
    _needs_tools()
    run_block(block, served, workspace)


@pytest.mark.extended
@pytest.mark.parametrize("block", [b for b in BLOCKS if b.kind == "extended"], ids=lambda b: b.name)
def test_the_slow_readme_block_runs(block: Block, served: str, workspace: Path) -> None:
    _needs_tools()
    run_block(block, served, workspace)
