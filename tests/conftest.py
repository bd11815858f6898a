"""Shared fixtures: a manual-clock fake and an httpx client on the in-process streaming
transport (the same app uvicorn serves)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest

from mock_server.app import build_app
from mock_server.config import FakeConfig
from mock_server.fake import Fake
from mock_server.testing import StreamingTransport
from mock_server.testing.conformance import ContractChecker
from tests.json_identity import stdlib_mismatch

ROOT = Path(__file__).resolve().parents[1]

# Modules whose tests take seconds each (`pytest --durations`), run first, longest first:
# with `-n 2` the suite then ends on short tests and neither worker idles at the end.
LONGEST_FIRST = (
    "tests/packaging/test_consumer_project.py",
    "tests/zoo/test_zoo.py",
    "tests/mock_server/testing/test_conformance_stateful.py",
    "tests/mock_server/testing/test_client_machine.py",
    "tests/contract/test_fuzz_schemathesis.py",
    "tests/test_readme.py",
    "tests/e2e/",
    "tests/mock_server/recording/test_recording_cli.py",
    "tests/client/test_against_fake.py",
)


@pytest.hookimpl(trylast=True)  # after pytest groups the items by their fixtures' scope
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        starts = (i for i, prefix in enumerate(LONGEST_FIRST) if item.nodeid.startswith(prefix))
        return next(starts, len(LONGEST_FIRST))

    items.sort(key=rank)  # stable: each module keeps its order
    for item in items:
        if not _runs_the_client(item.path):
            item.add_marker(pytest.mark.no_cover)


# `--cov` measures `client` only (pyproject.toml); a 3.11 trace function slows every line
# it sees by a third, so pytest-cov traces only the tests of modules that use the client
# in-process (the fake never imports it: an import-linter contract). Subprocesses are not
# measured either way.
USES_THE_CLIENT = re.compile(
    r"^\s*(?:from|import)\s+client\b|import(?:orskip|_module)\(\s*[\"']client\b", re.M
)


@cache
def _runs_the_client(path: Path) -> bool:
    return "client" in path.relative_to(ROOT).parts[:2] or bool(
        USES_THE_CLIENT.search(path.read_text(encoding="utf-8"))
    )


ATTRIBUTION = {
    "X-Skill-Source": "nemo-fake-tests",
    "X-Skill-Version": "0.1.0",
    "X-Skill-Platform": "unknown",
}


@pytest.fixture
def fake(
    tmp_path: Any, nemo_contract_checker: ContractChecker, request: pytest.FixtureRequest
) -> Iterator[Fake]:
    """A manual-clock fake whose every response is checked against contracts/ (the
    nemo_fake plugin fails the test on a violation and counts them for the summary).
    `@pytest.mark.fake_config(key=value)` adds settings; "{tmp}" in a value is tmp_path."""
    marker = request.node.get_closest_marker("fake_config")
    extra = {
        k: v.format(tmp=tmp_path) if isinstance(v, str) else v
        for k, v in (marker.kwargs if marker else {}).items()
    }
    instance = Fake(FakeConfig(clock="manual", seed=1234, data_dir=str(tmp_path / "data"), **extra))
    instance.observers.append(nemo_contract_checker.observe)
    mismatches: list[str] = []  # JSON not byte-identical to the stdlib's (compact_json)
    instance.observers.append(lambda exchange: _note(mismatches, stdlib_mismatch(exchange)))
    yield instance
    instance.close()
    assert not mismatches, mismatches


def _note(found: list[str], mismatch: str | None) -> None:
    if mismatch is not None:
        found.append(mismatch)


@pytest.fixture
def http(fake: Fake) -> Iterator[httpx.Client]:
    with httpx.Client(
        transport=StreamingTransport(build_app(fake)), base_url="http://fake.local", timeout=10
    ) as client:
        yield client


@dataclass(frozen=True)
class Account:
    """An account by its token; `auth` is the headers each of its API calls carries."""

    token: str
    user_id: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **ATTRIBUTION}


@dataclass(frozen=True)
class Session:
    account: Account
    session_id: str


@dataclass(frozen=True)
class User(Account):
    """An anonymous account and its first session (`new_user`)."""

    session_id: str
    task_id: str
    client_id: str


def run_body(session_id: str, text: str) -> dict[str, Any]:
    """A documented `POST /run_sse` body: one text message to the session."""
    return {
        "app_name": "nemo_agent",
        "user_id": "me",
        "session_id": session_id,
        "new_message": {"parts": [{"text": text}]},
    }


def new_user(http: httpx.Client, client_id: str = "client-1") -> User:
    token = http.post("/api/auth/anonymous-token", headers={"X-Client-Id": client_id}).json()[
        "data"
    ]
    session = http.post(
        "/api/tasks/me/with-session/nemo_agent",
        headers={"Authorization": f"Bearer {token['token']}"},
        json={"task_name": "project", "language": "en"},
    ).json()["data"]
    return User(
        token["token"], token["user_id"], session["session_id"], session["task_id"], client_id
    )


@pytest.fixture
def user(http: httpx.Client) -> User:
    return new_user(http)


SIMPLE_DRAFT: dict[str, Any] = {
    "t": [{"id": "v1", "tt": 0, "sg": [{"id": "s1", "s": 0, "d": 2000, "n": "clip"}]}],
    "d": 2000,
    "m": {"title": "t", "width": 320, "height": 180},
}
