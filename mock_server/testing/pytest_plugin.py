"""pytest plugin (entry point `nemo_fake`): fixtures for testing NemoVideo clients.

def test_flow(nemo_fake):
    client = nemo_fake.client            # httpx.Client routed in-process (streams stream)
    nemo_fake.advance(300)               # API time
    nemo_fake.faults.add(path="/run_sse", error_code=1001)
    assert nemo_fake.journal.entries(path="/run_sse")
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from mock_server.recording.pytest_fixtures import nemo_replay

if TYPE_CHECKING:
    from mock_server.testing.handles import FakeHandle, ServerHandle

__all__ = ["nemo_fake", "nemo_fake_server", "nemo_replay"]

# The fake is imported inside the fixtures, not here: pytest loads plugins before
# coverage starts, and an eager import would hide the client's import-time lines.


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("nemo-fake")
    group.addoption("--nemo-seed", type=int, default=None, help="seed for nemo_fake fixtures")
    group.addoption(
        "--nemo-dialect",
        action="append",
        default=[],
        help="KEY=VALUE config for nemo_fake fixtures",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "nemo(**config): FakeConfig values for the nemo_fake fixtures"
    )


def _config_for(request: pytest.FixtureRequest) -> dict[str, object]:
    values: dict[str, object] = {"clock": "manual"}
    seed = request.config.getoption("--nemo-seed", None)
    if seed is not None:
        values["seed"] = seed
    for item in request.config.getoption("--nemo-dialect", []) or []:
        key, _, value = item.partition("=")
        values[key.strip()] = value.strip()
    marker = request.node.get_closest_marker("nemo")
    if marker is not None:
        values.update(marker.kwargs)
    return values


@pytest.fixture
def nemo_fake(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FakeHandle]:
    """An in-process fake (manual clock by default) with an httpx client routed to it."""
    from mock_server.testing.handles import FakeHandle

    handle = FakeHandle.create(_config_for(request), tmp_path_factory.mktemp("nemo-fake"))
    try:
        yield handle
    finally:
        handle.close()


@pytest.fixture
def nemo_fake_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerHandle]:
    """The same fake on a real uvicorn socket on a random loopback port."""
    from mock_server.testing.handles import ServerHandle

    handle = ServerHandle.create(_config_for(request), tmp_path_factory.mktemp("nemo-fake-server"))
    try:
        yield handle
    finally:
        handle.close()
