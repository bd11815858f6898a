from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mock_server.domain.store import Store
from mock_server.domain.stores import open_store
from tests.servers import redis_server


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(params=["memory", "sqlite", "redis"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "memory":
        return "memory://"
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/fake.db"  # four slashes: an absolute path
    url: str = request.getfixturevalue("redis_url")
    return url


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = open_store(store_url)
    opened.clear()
    yield opened
    opened.clear()
    opened.close()
