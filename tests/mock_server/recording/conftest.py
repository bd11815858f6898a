"""Fixtures for the record/replay/verify tests: a sample upload and the nemo_replay fixture
(helpers live in helpers.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.mock_server.recording.helpers import ROOT


@pytest.fixture(scope="session")
def sample_mp4(tmp_path_factory: pytest.TempPathFactory) -> Path:
    spec = importlib.util.spec_from_file_location(
        "make_samples", ROOT / "fixtures" / "media" / "make_samples.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    path: Path = module.make_sample(tmp_path_factory.mktemp("samples"), "mp4")
    return path
