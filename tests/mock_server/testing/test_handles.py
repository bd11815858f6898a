"""The fixture handles: in-process clients, respx routing (sync and async, streaming),
auto-advance of the manual clock, the shared session server and account isolation."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import httpx
import pytest

from mock_server.testing.conformance import ContractChecker
from mock_server.testing.handles import FakeHandle, NemoAccount, ServerHandle, SharedServerView

GENERATE = "generate a 2-second video of a red fox"


def create_session(http: httpx.Client, account: NemoAccount) -> str:
    body = http.post(
        "/api/tasks/me/with-session/nemo_agent", headers=account.headers, json={"task_name": "p"}
    ).json()
    return str(body["data"]["session_id"])


def run_body(session_id: str, text: str = GENERATE) -> dict[str, Any]:
    return {
        "app_name": "nemo_agent",
        "user_id": "me",
        "session_id": session_id,
        "new_message": {"parts": [{"text": text}]},
    }


# --- in process -----------------------------------------------------------------------------


def test_a_stream_plays_to_its_end_at_its_api_times(nemo_fake: FakeHandle) -> None:
    account = nemo_fake.new_account(credits=1000)
    session = create_session(nemo_fake.client, account)
    start = nemo_fake.now()
    arrivals: list[float] = []
    with nemo_fake.client.stream(
        "POST", "/run_sse", json=run_body(session), headers=account.headers
    ) as response:
        for line in response.iter_lines():
            if line:
                arrivals.append(nemo_fake.now())
    # a generation is 100-300 API seconds with a heartbeat every 15: all of it, in order
    assert 100 <= arrivals[-1] - start <= 320
    assert arrivals == sorted(arrivals)
    assert nemo_fake.tracker.jumps >= len(arrivals) // 2
    # nothing ran ahead of the reader: the clock stopped at the last frame
    assert nemo_fake.now() == arrivals[-1]


def test_hold_clock_keeps_a_turn_running(nemo_fake: FakeHandle) -> None:
    account = nemo_fake.new_account(credits=1000)
    session = create_session(nemo_fake.client, account)
    with nemo_fake.hold_clock():
        with nemo_fake.client.stream(
            "POST", "/run_sse", json=run_body(session), headers=account.headers
        ) as response:
            assert response.status_code == 200
        busy = nemo_fake.client.post("/run_sse", json=run_body(session), headers=account.headers)
        assert busy.json()["code"] == 409  # the first turn still runs: API time stood still
    nemo_fake.advance(400)
    again = nemo_fake.client.post(
        "/run_sse", json=run_body(session, "hello"), headers=account.headers
    )
    assert again.status_code == 200


@pytest.mark.nemo(auto_advance=False)
def test_auto_advance_can_be_off(nemo_fake: FakeHandle) -> None:
    assert not nemo_fake.auto_advance
    nemo_fake.auto_advance = True
    assert nemo_fake.auto_advance and nemo_fake.tracker.active


def test_async_client_streams_too(nemo_fake: FakeHandle) -> None:
    account = nemo_fake.new_account(credits=1000)
    session = create_session(nemo_fake.client, account)

    async def turn() -> list[str]:
        async with (
            nemo_fake.async_client() as http,
            http.stream(
                "POST", "/run_sse", json=run_body(session), headers=account.headers
            ) as response,
        ):
            return [line async for line in response.aiter_lines() if line]

    lines = asyncio.run(turn())
    assert any("functionResponse" in line for line in lines)


def test_dialect_faults_accounts_and_requests(nemo_fake: FakeHandle) -> None:
    with pytest.raises(ValueError, match="not dialects"):
        nemo_fake.dialect(seed=3)
    assert nemo_fake.dialect(error_status="mapped").error_status == "mapped"
    account = nemo_fake.new_account(kind="registered", credits=42, plan="pro")
    assert account.user_id.startswith("usr_") and account.credits == 42
    fault = nemo_fake.fault(method="GET", path="/api/credits/*", error_code=1001)
    first = nemo_fake.client.get("/api/credits/balance/simple", headers=account.headers)
    second = nemo_fake.client.get("/api/credits/balance/simple", headers=account.headers)
    assert (first.status_code, second.json()["data"]["available"]) == (401, 42)
    entries = nemo_fake.requests(path="/api/credits/*")
    assert [e.fault_id for e in entries] == [fault.id, None]
    assert "-> 401 code=1001 fault=flt_1" in nemo_fake.journal_excerpt()
    nemo_fake.reset(seed=9)
    assert nemo_fake.requests() == [] and nemo_fake.config.seed == 9


# --- respx: clients the code under test builds itself -----------------------------------


def test_mock_routes_an_unmodified_client_and_sets_nemo_api_url(nemo_fake: FakeHandle) -> None:
    account = nemo_fake.new_account(credits=1000)
    before = os.environ.get("NEMO_API_URL")
    with nemo_fake.mock() as router:
        url = os.environ["NEMO_API_URL"]
        assert url == nemo_fake.url
        with httpx.Client(base_url=url) as http:  # built by "the user's code"
            session = create_session(http, account)
            with http.stream(
                "POST", "/run_sse", json=run_body(session), headers=account.headers
            ) as response:
                lines = [line for line in response.iter_lines() if line]
        assert router.calls.call_count == 2
    assert os.environ.get("NEMO_API_URL") == before
    assert any("functionCall" in line for line in lines)


def test_respx_router_serves_async_clients_and_other_base_urls(nemo_fake: FakeHandle) -> None:
    account = nemo_fake.new_account(credits=1000)
    base = "https://mega-api-prod.nemovideo.ai"

    async def flow() -> tuple[int, list[str]]:
        async with httpx.AsyncClient(base_url=base) as http:
            created = await http.post(
                "/api/tasks/me/with-session/nemo_agent",
                headers=account.headers,
                json={"task_name": "p"},
            )
            session = created.json()["data"]["session_id"]
            async with http.stream(
                "POST", "/run_sse", json=run_body(session), headers=account.headers
            ) as response:
                return response.status_code, [line async for line in response.aiter_lines()]

    with nemo_fake.respx_router(base_url=base):
        status, lines = asyncio.run(flow())
    assert status == 200 and any("functionResponse" in line for line in lines)
    assert nemo_fake.requests()[0].headers["host"] == "mega-api-prod.nemovideo.ai"


def test_a_dropped_connection_surfaces_through_respx(nemo_fake: FakeHandle) -> None:
    nemo_fake.fault(path="/api/credits/*", drop=True)
    with (
        nemo_fake.mock(env=False),
        httpx.Client() as http,
        pytest.raises(httpx.RemoteProtocolError),
    ):
        http.get(f"{nemo_fake.url}/api/credits/balance/simple")


# --- the shared session server: isolation per account -------------------------------------


def test_two_accounts_on_one_shared_server_never_see_each_other(
    nemo_fake_session_server: SharedServerView,
) -> None:
    server = nemo_fake_session_server
    alice, bob = server.new_account(credits=1000), server.new_account(credits=1000)
    http = server.client
    sessions = {a.user_id: create_session(http, a) for a in (alice, bob)}
    draft = {"t": [{"id": "v", "tt": 0, "sg": [{"id": "s", "s": 0, "d": 1000}]}], "d": 1000}
    renders = {}
    for account in (alice, bob):
        sid = sessions[account.user_id]
        submitted = http.post(
            "/api/render/proxy/lambda",
            headers={**account.headers, "X-Skill-Source": "t", "X-Skill-Version": "1",
                     "X-Skill-Platform": "unknown"},
            json={"id": f"render_{account.user_id}", "sessionId": sid, "draft": draft},
        )  # fmt: skip
        assert submitted.json()["success"], submitted.text
        renders[account.user_id] = f"render_{account.user_id}"
    with http.stream(
        "POST", "/run_sse", json=run_body(sessions[alice.user_id]), headers=alice.headers
    ) as response:
        response.read()
    for me, other in ((alice, bob), (bob, alice)):
        theirs = sessions[other.user_id]
        state = http.get(f"/api/state/nemo_agent/me/{theirs}/latest", headers=me.headers)
        assert state.json()["code"] == 1002
        message = http.post("/run_sse", json=run_body(theirs, "hello"), headers=me.headers)
        assert message.json()["code"] == 1002
        poll = http.get(f"/api/render/proxy/lambda/{renders[other.user_id]}", headers=me.headers)
        assert poll.status_code == 404
        upload = http.post(
            f"/api/upload-video/nemo_agent/me/{theirs}",
            headers=me.headers,
            json={"urls": ["https://example.com/a.mp4"], "source_type": "url"},
        )
        assert upload.json()["code"] == 1002
    credits = {
        a.user_id: http.get("/api/credits/balance/simple", headers=a.headers).json()["data"]
        for a in (alice, bob)
    }
    assert credits[alice.user_id]["total"] == 900 and credits[bob.user_id]["total"] == 1000


@pytest.mark.nemo(error_status="mapped")
def test_a_test_changes_the_shared_server_only_for_itself(
    nemo_fake_session_server: SharedServerView,
) -> None:
    server = nemo_fake_session_server
    assert server.config.error_status == "mapped"  # the marker, for this test only
    server.fault(path="/api/credits/*", error_code=503, times=None)
    server.dialect(events="typed")
    assert server.client.get("/api/credits/balance/simple").status_code == 503
    assert [e.path for e in server.requests()] == ["/api/credits/balance/simple"]
    server.reset()  # undoes this test's changes; the shared state stays
    assert server.config.error_status == "ok200" and server.config.events == "adk"
    assert server.faults.list() == [] and server.requests() == []


def test_the_next_test_finds_the_shared_server_clean(
    nemo_fake_session_server: SharedServerView,
) -> None:
    server = nemo_fake_session_server
    assert server.config.error_status == "ok200" and server.config.events == "adk"
    assert server.faults.list() == [] and server.requests() == []
    account = server.new_account()
    assert server.client.get("/api/credits/balance/simple", headers=account.headers).json() == {
        "code": 0,
        "message": "success",
        "data": {"available": 100, "frozen": 0, "total": 100},
    }


# --- the contract checker inside the fake's responses -------------------------------------


def test_a_control_character_in_the_path_is_checked_and_answered(
    nemo_fake_server: ServerHandle, nemo_contract_checker: ContractChecker
) -> None:
    account = nemo_fake_server.new_account()
    response = httpx.get(
        f"{nemo_fake_server.url}/api/state/nemo_agent/me/%1F/latest", headers=account.headers
    )
    assert response.json()["code"] == 1002  # a whole answer: the check did not break it
    assert nemo_contract_checker.checked == 1 and not nemo_contract_checker.violations


def test_a_failing_check_is_a_violation_not_a_broken_response(
    nemo_fake: FakeHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    checker = ContractChecker()
    monkeypatch.setattr(checker, "check", lambda exchange: 1 / 0)
    nemo_fake.attach(checker)
    assert nemo_fake.client.get("/api/credits/balance/simple").json()["code"] == 1001
    assert checker.violations == [
        "GET /api/credits/balance/simple -> 200: the contract check itself failed: "
        "ZeroDivisionError('division by zero')"
    ]
    nemo_fake.detach(checker)
    assert checker.observe not in nemo_fake.fake.observers
