"""schemathesis fuzzes the fake from contracts/openapi.yaml: no 500s, every response
conforms (status, content type, headers, body). The admin API is left out: it resets
state and injects faults by design. A real socket, so /run_sse streams for real."""

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
from mock_server.fake import FROZEN_KEYS, Fake
from mock_server.testing import ServerThread

CONTRACT = Path(__file__).resolve().parents[2] / "contracts" / "openapi.yaml"
schema = schemathesis.openapi.from_path(str(CONTRACT)).exclude(tag="admin")


# In `ok200` a bad token or a bad body is documented as HTTP 200 with a non-zero code,
# so the checks that demand a 4xx status run under the `mapped` dialect only.
STATUS_CHECKS = [
    checks.ignored_auth,
    checks.missing_required_header,
    checks.negative_data_rejection,
]


# derandomize: the same examples every run (seeded chance), no example database
FUZZ_SETTINGS = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)


@pytest.fixture(scope="module", params=["mapped", "ok200"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    config = FakeConfig(
        clock="scaled",
        time_scale=0.0001,
        seed=11,
        data_dir=str(tmp_path_factory.mktemp("fuzz")),
        heartbeat_interval=50,
        error_status=request.param,
    )
    fake = Fake(config)
    token, _ = fake.mint_account(kind="registered", credits=10**9, plan="pro")
    with fake.service.lock:
        account = fake.service.accounts.authenticate(f"Bearer {token.value}")
        session = fake.service.sessions.create(account, "fuzz", "en")
    with ServerThread(build_app(fake)) as url:
        yield {
            "url": url,
            "token": token.value,
            "session_id": session.session_id,
            "dialect": request.param,
        }
    fake.close()


@schema.parametrize()
@FUZZ_SETTINGS
def test_fake_conforms_to_its_contract(case: schemathesis.Case, served: dict[str, Any]) -> None:
    headers = {
        "Authorization": f"Bearer {served['token']}",
        "X-Skill-Source": "fuzz",
        "X-Skill-Version": "1",
        "X-Skill-Platform": "unknown",
    }
    params = case.path_parameters or {}
    # half the time a real session, so the fuzzer gets past 1002 to the handler
    # (crc32, not hash(): str hashes are salted per process)
    if "session_id" in params and zlib.crc32(repr(params).encode()) % 2:
        params["session_id"] = served["session_id"]
    excluded = list(STATUS_CHECKS) if served["dialect"] == "ok200" else []
    if case.operation.definition.raw.get("operationId") in ("uploadMedia", "uploadMediaAsUser"):
        # a schema-valid upload may hold bytes that are no media: the fake probes them
        # and answers 4001, which JSON Schema cannot express for binary parts
        excluded.append(checks.positive_data_acceptance)
    case.call_and_validate(
        base_url=served["url"], headers=headers, timeout=20, excluded_checks=excluded
    )


# The admin API, fuzzed the same way on a fake of its own (it resets, reconfigures and
# injects faults by design): every response documented, never a 500, in both dialects.
admin_schema = schemathesis.openapi.from_path(str(CONTRACT)).include(tag="admin")


@pytest.fixture(scope="module", params=["mapped", "ok200"])
def admin_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Fake, str]]:
    fake = Fake(
        FakeConfig(
            clock="manual",
            seed=12,
            data_dir=str(tmp_path_factory.mktemp("fuzz-admin")),
            error_status=request.param,
        )
    )
    with ServerThread(build_app(fake)) as url:
        yield fake, url
    fake.close()


@pytest.fixture
def admin_served(admin_server: tuple[Fake, str]) -> Iterator[str]:
    """Each case starts from the module's config: a patch from one case (a 1-byte body
    limit, say) must not turn the next case's valid request into a 413."""
    fake, url = admin_server
    start = fake.config
    yield url
    fake.configure(**{k: v for k, v in start.model_dump().items() if k not in FROZEN_KEYS})


@admin_schema.parametrize()
@FUZZ_SETTINGS
def test_admin_api_conforms_to_its_contract(case: schemathesis.Case, admin_served: str) -> None:
    case.call_and_validate(base_url=admin_served, timeout=20)
