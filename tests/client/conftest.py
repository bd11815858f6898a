from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import respx

from client import ClientConfig

from .helpers import API, SID, TOKEN, WEB, FakeClock, Harness, ok, state_body


@pytest.fixture
def config(tmp_path: Path) -> ClientConfig:
    return ClientConfig(
        api_url=API,
        web_url=WEB,
        client_id="client-123",
        skill_source="test-skill",
        skill_version="9.9.9",
        skill_platform="unknown",
        config_dir=tmp_path,
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=["sync", "async"])
def harness(
    request: pytest.FixtureRequest, config: ClientConfig, clock: FakeClock
) -> Iterator[Harness]:
    made = Harness(request.param, config, clock)
    yield made
    made.close()


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=API, assert_all_called=False) as router:
        yield router


@pytest.fixture
def basic(api: respx.MockRouter) -> respx.MockRouter:
    """Token, session and an empty state answered the happy way."""
    api.post("/api/auth/anonymous-token").mock(
        return_value=ok({"token": TOKEN, "user_id": "anon_0123456789abcdef", "credits": 100})
    )
    api.post("/api/tasks/me/with-session/nemo_agent").mock(
        return_value=ok(
            {"task_id": "task_1", "session_id": SID, "user_id": "anon_0123456789abcdef"}
        )
    )
    api.get(f"/api/state/nemo_agent/me/{SID}/latest").mock(return_value=ok(state_body()))
    return api
