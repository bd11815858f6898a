"""`make mutants` stays runnable: every patch applies exactly once to today's code, every
mutant breaks something, and every suite it runs exists (a refactor that moves the
patched text or a test file would otherwise only show when the slow check runs)."""

from __future__ import annotations

import pytest

from tests.mutants import COPY, FAKE_SUITES, MUTANTS, PACKAGES, ROOT, SUITES, Mutant


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.name)
def test_the_patch_applies_once(mutant: Mutant) -> None:
    text = (ROOT / mutant.path).read_text(encoding="utf-8")
    assert text.count(mutant.search) == 1, f"{mutant.name}: `search` not once in {mutant.path}"
    assert mutant.replace != mutant.search


def test_mutant_names_are_unique() -> None:
    names = [m.name for m in MUTANTS]
    assert len(names) == len(set(names))


@pytest.mark.parametrize(
    "path",
    sorted({p for suite in (SUITES, FAKE_SUITES) for paths in suite.values() for p in paths}),
)
def test_every_suite_path_exists(path: str) -> None:
    assert (ROOT / path).exists(), path


def test_the_copy_holds_every_package_and_patched_file() -> None:
    assert set(PACKAGES) <= set(COPY)
    assert all((ROOT / name).exists() for name in COPY)
    for mutant in MUTANTS:
        assert mutant.path.split("/")[0] in COPY, mutant.path
