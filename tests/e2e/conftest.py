"""`nemo-fake serve` in a subprocess on a random loopback port, stopped by its PID."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import servers


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    args = ("--time-scale", "0.001", "--data-dir", str(tmp_path / "data"))
    # small media: fast encodes
    with servers.served(*args, env={"NEMO_FAKE_MEDIA_MAX_SIDE": "320"}) as server:
        yield server.url
