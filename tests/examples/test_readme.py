"""Keep the README's "Testing your own client" section true: its Python blocks compile,
the example tests are verbatim copies of tests/examples/test_examples.py, and they pass
when run on their own (with pytester, as a user's test file would run)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
HEADING = "## Testing your own client"


def section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index(HEADING)
    end = readme.find("\n## ", start + len(HEADING))
    return readme[start : end if end != -1 else None]


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", section(), flags=re.S)


def example_blocks() -> list[str]:
    return [b for b in python_blocks() if "RawNemoClient(" in b]


def test_the_section_sits_after_configuration_and_dialects() -> None:
    headings = re.findall(r"^## .+$", (ROOT / "README.md").read_text(encoding="utf-8"), re.M)
    assert headings.index(HEADING) == headings.index("## Configuration and dialects") + 1


def test_every_python_block_compiles() -> None:
    blocks = python_blocks()
    assert len(blocks) >= 5
    for block in blocks:
        compile(block, "README.md", "exec")


def test_the_examples_are_the_tests_verbatim() -> None:
    source = (Path(__file__).parent / "test_examples.py").read_text(encoding="utf-8")
    names = []
    for block in example_blocks():
        assert block in source, f"README block drifted from test_examples.py:\n{block}"
        names += re.findall(r"^def (test_\w+)", block, re.M)
    assert names == ["test_happy_path", "test_silent_close", "test_expired_token_is_renewed"]


def test_the_examples_run_as_a_users_test_file(pytester: pytest.Pytester) -> None:
    from mock_server.testing.conformance import operation_for

    operation_for(
        "GET", "/api/credits/balance/simple"
    )  # see tests/mock_server/testing/test_plugin.py
    imports = next(b for b in python_blocks() if b.lstrip().startswith("import pytest"))
    pytester.makepyfile(test_my_client="\n\n".join([imports, *example_blocks()]))
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:xdist")
    result.assert_outcomes(passed=3)
