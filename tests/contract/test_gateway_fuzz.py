"""schemathesis fuzzes the gateway from contracts/gateway.openapi.yaml: no 500s, every
response conforms (status, content type, body), auth is never ignored."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from mock_server.app import build_app
from mock_server.config import FakeConfig
from mock_server.fake import Fake
from mock_server.testing import ServerThread

CONTRACT = Path(__file__).resolve().parents[2] / "contracts" / "gateway.openapi.yaml"
schema = schemathesis.openapi.from_path(str(CONTRACT))

# Schema-valid bodies the fake still refuses for reasons JSON Schema cannot state: bytes
# that are no media (4001), a draft object that is no timeline (400), a date range that
# ends before it starts (400).
REFUSES_SOME_VALID = {"gatewayUploadFile", "gatewayRenderSubmit", "gatewayUsageHistory"}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    config = FakeConfig(
        clock="scaled", time_scale=0.0001, seed=12, data_dir=str(tmp_path_factory.mktemp("gw"))
    )
    fake = Fake(config)
    token, _ = fake.mint_account(kind="registered", credits=10**9, plan="pro")
    with fake.service.lock:
        account = fake.service.accounts.authenticate(f"Bearer {token.value}")
        session = fake.service.sessions.create(account, "fuzz", None)
    with ServerThread(build_app(fake)) as url:
        yield {"url": url, "token": token.value, "session": session}
    fake.close()


@schema.parametrize()
@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)
def test_gateway_conforms_to_its_contract(case: schemathesis.Case, served: dict[str, Any]) -> None:
    params = case.path_parameters or {}
    # half the time the real project, so the fuzzer gets past 404 to the handler
    if "project_id" in params and zlib.crc32(repr(params).encode()) % 2:
        params["project_id"] = served["session"].task_id
    excluded = []
    operation = case.operation.definition.raw.get("operationId")
    if operation in REFUSES_SOME_VALID:
        excluded.append(checks.positive_data_acceptance)
    if operation == "gatewayUsageHistory":
        # its negative cases add query keys the HTTP client drops on the way (the fake
        # refuses unknown keys it receives: tests/mock_server/gateway/test_routes.py)
        excluded.append(checks.negative_data_rejection)
    case.call_and_validate(
        base_url=served["url"],
        headers={
            "Authorization": f"Bearer {served['token']}",
            # what the CLI sends on every request
            "X-Skill-Source": "nemovideo-tools",
            "X-Skill-Version": "0.1.8",
            "X-Skill-Platform": "terminal",
        },
        timeout=20,
        excluded_checks=excluded,
    )
