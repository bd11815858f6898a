"""End to end: the client against the real fake on a loopback uvicorn socket.

The server is the nemo_fake plugin's `nemo_fake_server` (so every response is also
checked against contracts/), configured by the module's `nemo` marker. The fake runs a
scaled clock (1 API second = SCALE real seconds) and the client's sleep and monotonic
clock are scaled the same way, so documented waits (30 s recovery, 10 s polls, 100-300 s
generations) take milliseconds while keeping their proportions. Faults are injected
through POST /_fake/faults; assertions read the journal GET /_fake/requests.
"""

from __future__ import annotations

import asyncio
import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from client import (
    ClientConfig,
    ExportBlocked,
    FileTooLarge,
    HeartbeatEvent,
    HeartbeatTimeout,
    InsufficientCredits,
    NemoClient,
    Policy,
    SessionExpired,
    TurnGuard,
    TurnInProgress,
    TurnLost,
    UnsupportedFileType,
)
from mock_server.testing.handles import ServerHandle

from .helpers import FakeClock, Harness

SCALE = 0.002  # real seconds per API second
BASELINE: dict[str, Any] = {
    "time_scale": SCALE,
    "silent_close_rate": 0.0,
    "temporary_issue_rate": 0.0,
    "render_failure_rate": 0.0,
    "events": "adk",
    "heartbeat": "empty",
    "render_poll": "data",
    "error_status": "ok200",
    "attribution_402": "always",
    "tokens_per_client": 1,
    "upload_max_bytes": 500 * 1024 * 1024,
    "media_max_side": 320,
}
pytestmark = [pytest.mark.network, pytest.mark.nemo(seed=7, clock="scaled", **BASELINE)]
# Encoding takes real time while API time is scaled 500x: allow the polls a real client
# would spread over minutes to cover the real encoder here.
E2E_POLICY = Policy(max_polls=3000)
GENERATE = "generate a 10-second cinematic video of a sunset over a mountain lake"


class ScaledClock(FakeClock):
    """Real but scaled waits, in API seconds, matching the fake's clock."""

    def monotonic(self) -> float:
        return time.monotonic() / SCALE

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        time.sleep(seconds * SCALE)

    async def asleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        await asyncio.sleep(seconds * SCALE)


class FakeServer:
    """The plugin's server, driven through the admin API as a non-Python client would."""

    def __init__(self, handle: ServerHandle) -> None:
        self.handle = handle
        self.url = handle.url
        self.admin = httpx.Client(base_url=self.url, timeout=10)

    def close(self) -> None:
        self.admin.close()

    # --- admin API ---
    def reset(self, **config: Any) -> None:
        self.admin.post("/_fake/reset", json={"seed": 7}).raise_for_status()
        self.admin.patch("/_fake/config", json={**BASELINE, **config}).raise_for_status()

    def fault(self, **spec: Any) -> dict[str, Any]:
        response = self.admin.post("/_fake/faults", json=spec)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def journal(self, method: str | None = None, path: str | None = None) -> list[dict[str, Any]]:
        params = {k: v for k, v in {"method": method, "path": path}.items() if v}
        response = self.admin.get("/_fake/requests", params=params)
        response.raise_for_status()
        return list(response.json()["requests"])

    def account(self, **spec: Any) -> dict[str, Any]:
        response = self.admin.post("/_fake/accounts", json=spec)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def advance(self, seconds: float) -> None:
        self.admin.post("/_fake/clock/advance", json={"seconds": seconds}).raise_for_status()


@pytest.fixture
def fake(nemo_fake_server: ServerHandle) -> Iterator[FakeServer]:
    made = FakeServer(nemo_fake_server)  # a fresh server per test, seed 7 + BASELINE
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
def e2e_config(fake: FakeServer, tmp_path: Path) -> ClientConfig:
    return ClientConfig(
        api_url=fake.url,
        web_url="https://web.test",
        client_id="e2e-client-0001",
        skill_source="nemo-fake-client",
        skill_version="0.1.0",
        skill_platform="unknown",
        config_dir=tmp_path,
    )


@pytest.fixture(params=["sync", "async"])
def e2e(request: pytest.FixtureRequest, e2e_config: ClientConfig) -> Iterator[Harness]:
    made = Harness(request.param, e2e_config, ScaledClock(), E2E_POLICY)
    yield made
    made.close()


@pytest.fixture
def sync_e2e(e2e_config: ClientConfig) -> Iterator[Harness]:
    made = Harness("sync", e2e_config, ScaledClock(), E2E_POLICY)
    yield made
    made.close()


def paths(entries: list[dict[str, Any]]) -> list[str]:
    return [f"{e['method']} {e['path']}" for e in entries]


def png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (32, 18), (200, 80, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


# --- the seeds' flow ---------------------------------------------------------------------


def test_seeds_flow_generate_export_download(
    e2e: Harness, fake: FakeServer, tmp_path: Path
) -> None:
    client = e2e.client()
    events: list[Any] = []
    out = tmp_path / "video.mp4"
    result = e2e.run(client, "generate", GENERATE, out, on_event=events.append)
    assert result.turn.text and not result.turn.silent
    assert any(isinstance(e, HeartbeatEvent) for e in events)
    assert out.stat().st_size > 0 and out.read_bytes()[4:8] == b"ftyp"
    assert result.export.attempts == 1
    state = e2e.run(client, "state")
    assert state.draft.exportable and "Video:" in state.summary()
    assert e2e.run(client, "claim_link").startswith("https://web.test/workspace/claim?ct=clm_")

    journal = fake.journal()
    sequence = paths(journal)
    assert sequence[0] == "POST /api/auth/anonymous-token"
    assert sequence[1] == "POST /api/tasks/me/with-session/nemo_agent"
    assert sequence.count("POST /run_sse") == 1
    assert sequence.count("POST /api/render/proxy/lambda") == 1
    assert any(p.startswith("GET /render-result/") for p in sequence)
    for entry in journal:
        assert entry["headers"]["x-skill-source"] == "nemo-fake-client"
        assert entry["headers"]["x-skill-version"] == "0.1.0"
        assert entry["headers"]["x-skill-platform"] == "unknown"
        assert entry["status"] < 400, entry
    assert client.token not in json.dumps(journal)  # the journal masks secrets
    render = next(e for e in journal if e["path"] == "/api/render/proxy/lambda")
    assert render["body"]["id"].startswith("render_") and render["body"]["sessionId"]


@pytest.mark.parametrize("shape", ["legacy", "compat"])
def test_every_render_poll_dialect(
    sync_e2e: Harness, fake: FakeServer, tmp_path: Path, shape: str
) -> None:
    fake.reset(render_poll=shape)
    result = sync_e2e.run(sync_e2e.client(), "generate", GENERATE, tmp_path / "v.mp4")
    assert result.export.bytes > 0


@pytest.mark.parametrize("heartbeat", ["json", "comment"])
def test_typed_event_dialect_and_heartbeat_forms(
    sync_e2e: Harness, fake: FakeServer, heartbeat: str
) -> None:
    fake.reset(events="typed", heartbeat=heartbeat)
    events: list[Any] = []
    result = sync_e2e.run(sync_e2e.client(), "send", GENERATE, events.append)
    assert result.text
    beats = [e for e in events if isinstance(e, HeartbeatEvent)]
    assert beats and {b.source for b in beats} == {heartbeat}


def test_silent_close_reports_the_state_diff(
    sync_e2e: Harness, fake: FakeServer, e2e_config: ClientConfig
) -> None:
    # Generation spends the 100 anonymous credits; an edit needs 50 more.
    account = fake.account(kind="registered", credits=1000)
    client = sync_e2e.client(config=e2e_config.with_token(account["token"]))
    sync_e2e.run(client, "send", GENERATE)
    fake.admin.patch("/_fake/config", json={"silent_close_rate": 1.0}).raise_for_status()
    result = sync_e2e.run(client, "send", 'add a title "Urban Dreams"')
    assert result.silent and result.text == ""
    assert any("Urban Dreams" in change for change in result.changes), result.changes


# --- request rules -------------------------------------------------------------------------


def test_expired_token_is_reacquired_with_the_same_client_id(
    sync_e2e: Harness, fake: FakeServer
) -> None:
    client = sync_e2e.client()
    sync_e2e.run(client, "credits")
    first = client.token
    fake.advance(7 * 86400 + 60)  # past the 7-day token lifetime (and the per-client window)
    assert sync_e2e.run(client, "credits").available >= 0
    assert client.token != first
    tokens = fake.journal("POST", "/api/auth/anonymous-token")
    assert len(tokens) == 2
    assert tokens[0]["headers"]["x-client-id"] == tokens[1]["headers"]["x-client-id"]
    credits = fake.journal("GET", "/api/credits/balance/simple")
    assert [c["code"] for c in credits] == [0, 1001, 0]


def test_injected_1001_within_the_token_window_hits_the_rate_limit(
    sync_e2e: Harness, fake: FakeServer
) -> None:
    """Documented rules collide: 1001 → re-acquire with the same X-Client-Id, but only one
    token per client per 7 days (429, retried once after 30 s). The client follows both."""
    client = sync_e2e.client()
    sync_e2e.run(client, "credits")
    fake.fault(method="GET", path="/api/credits/*", error_code=1001, times=1)
    from client import RateLimited

    with pytest.raises(RateLimited):
        sync_e2e.run(client, "credits")
    assert len(fake.journal("POST", "/api/auth/anonymous-token")) == 3
    assert 30.0 in sync_e2e.clock.sleeps


def test_429_on_anonymous_token_waits_and_retries_once(sync_e2e: Harness, fake: FakeServer) -> None:
    fake.fault(method="POST", path="/api/auth/anonymous-token", error_code=429, times=1)
    assert sync_e2e.run(sync_e2e.client(), "acquire_token").token.startswith("nmv_usr_")
    assert [e["status"] for e in fake.journal(path="/api/auth/anonymous-token")] == [429, 200]
    assert sync_e2e.clock.sleeps == [30.0]


def test_5xx_on_state_is_retried(sync_e2e: Harness, fake: FakeServer) -> None:
    client = sync_e2e.client()
    sync_e2e.run(client, "create_session")
    fake.fault(method="GET", path="/api/state/*", error_code=503, times=2)
    sync_e2e.run(client, "state")
    assert [e["status"] for e in fake.journal("GET", "/api/state/*")] == [503, 503, 200]


@pytest.mark.parametrize("dialect", ["ok200", "mapped"])
def test_1002_on_run_sse_gives_a_new_session_and_no_resend(
    sync_e2e: Harness, fake: FakeServer, dialect: str
) -> None:
    fake.reset(error_status=dialect)
    client = sync_e2e.client()
    sync_e2e.run(client, "create_session")
    old = client.session_id
    fake.fault(method="POST", path="/run_sse", error_code=1002, times=1)
    with pytest.raises(SessionExpired) as caught:
        sync_e2e.run(client, "send", GENERATE)
    assert caught.value.old_session_id == old and client.session_id == caught.value.new_session_id
    # One /run_sse in all: nothing went to the new session. (The journal keeps no body
    # for a request a fault answered, so the session id is checked client-side above.)
    assert [e["status"] for e in fake.journal("POST", "/run_sse")] == [
        200 if dialect == "ok200" else 404
    ]
    assert len(fake.journal("POST", "/api/tasks/*")) == 2


@pytest.mark.parametrize("dialect", ["ok200", "mapped"])
def test_2001_for_an_anonymous_user_links_registration(
    sync_e2e: Harness, fake: FakeServer, e2e_config: ClientConfig, dialect: str
) -> None:
    fake.reset(error_status=dialect)  # mapped: HTTP 402 + code 2001 is credits, not export
    account = fake.account(kind="anonymous", credits=0)
    client = sync_e2e.client(config=e2e_config.with_token(account["token"]))
    with pytest.raises(InsufficientCredits) as caught:
        sync_e2e.run(client, "send", GENERATE)
    assert caught.value.registration_url == f"https://web.test/register?bind={account['user_id']}"
    assert caught.value.status == (200 if dialect == "ok200" else 402)


def test_402_export_block_is_not_retried(
    sync_e2e: Harness, fake: FakeServer, tmp_path: Path
) -> None:
    client = sync_e2e.client()
    sync_e2e.run(client, "send", GENERATE)
    fake.fault(method="POST", path="/api/render/proxy/lambda", error_code=402, times=1)
    with pytest.raises(ExportBlocked, match="not a credits problem"):
        sync_e2e.run(client, "export", tmp_path / "v.mp4")
    assert len(fake.journal("POST", "/api/render/proxy/lambda")) == 1


def test_duplicate_render_id_retries_with_a_new_id(
    sync_e2e: Harness, fake: FakeServer, tmp_path: Path
) -> None:
    sent: list[str] = []

    def record(request: httpx.Request) -> None:
        if request.url.path == "/api/render/proxy/lambda":
            sent.append(json.loads(request.content)["id"])

    http = httpx.Client(event_hooks={"request": [record]}, follow_redirects=True)
    client = sync_e2e.client(http=http)
    sync_e2e.run(client, "send", GENERATE)
    fake.fault(method="POST", path="/api/render/proxy/lambda", error_code=409, times=1)
    result = sync_e2e.run(client, "export", tmp_path / "v.mp4")
    http.close()
    submits = fake.journal("POST", "/api/render/proxy/lambda")
    assert [s["status"] for s in submits] == [409, 200]
    assert len(sent) == 2 and sent[0] != sent[1] == result.render_id
    assert submits[1]["body"]["id"] == result.render_id


def test_failed_render_retries_once(sync_e2e: Harness, fake: FakeServer, tmp_path: Path) -> None:
    client = sync_e2e.client()
    sync_e2e.run(client, "send", GENERATE)
    fake.admin.patch("/_fake/config", json={"render_failure_rate": 1.0}).raise_for_status()
    from client import RenderFailed

    with pytest.raises(RenderFailed):
        sync_e2e.run(client, "export", tmp_path / "v.mp4")
    assert len(fake.journal("POST", "/api/render/proxy/lambda")) == 2


# --- the stream -------------------------------------------------------------------------


def test_cut_stream_is_recovered_from_state_without_resending(
    e2e: Harness, fake: FakeServer
) -> None:
    client = e2e.client()
    e2e.run(client, "create_session")
    fake.fault(method="POST", path="/run_sse", cut_after_events=2, times=1)
    result = e2e.run(client, "send", GENERATE)
    assert result.recovered and result.changes, result
    assert len(fake.journal("POST", "/run_sse")) == 1
    assert e2e.clock.sleeps[0] == 30.0


def test_dropped_request_is_turn_lost_after_five_checks(
    sync_e2e: Harness, fake: FakeServer
) -> None:
    client = sync_e2e.client()
    sync_e2e.run(client, "create_session")
    fake.fault(method="POST", path="/run_sse", drop=True, times=1)
    with pytest.raises(TurnLost):
        sync_e2e.run(client, "send", GENERATE)
    assert len(fake.journal("POST", "/run_sse")) == 1
    assert [s for s in sync_e2e.clock.sleeps if s >= 30] == [30.0, 60.0, 60.0, 60.0, 60.0]
    assert len(fake.journal("GET", "/api/state/*")) == 6  # baseline + 5 checks


def test_heartbeats_only_past_the_limit_time_out(sync_e2e: Harness, fake: FakeServer) -> None:
    client = sync_e2e.client(policy=Policy(heartbeat_timeout=60, max_polls=3000))
    with pytest.raises(HeartbeatTimeout):
        sync_e2e.run(client, "send", GENERATE)  # a generation is 100-300 s of heartbeats


def test_second_message_is_refused_in_process_and_by_the_server(
    sync_e2e: Harness, fake: FakeServer, e2e_config: ClientConfig
) -> None:
    client = sync_e2e.client()
    sync_e2e.run(client, "create_session")
    turn = client.chat(GENERATE)
    next(turn)  # the turn is running
    with pytest.raises(TurnInProgress):
        client.send("another")  # refused before sending
    assert len(fake.journal("POST", "/run_sse")) == 1
    # Another process (separate guard) with the same token and session: the fake says 409.
    other = NemoClient(
        e2e_config.with_token(client.token),
        guard=TurnGuard(),
        session_id=client.session_id,
        sleep=sync_e2e.clock.sleep,
    )
    with other, pytest.raises(TurnInProgress):
        other.send("another")
    assert [e["status"] for e in fake.journal("POST", "/run_sse")] == [200, 409]
    assert sync_e2e.collect(turn).text


# --- uploads --------------------------------------------------------------------------------


def test_uploads(sync_e2e: Harness, fake: FakeServer, tmp_path: Path) -> None:
    image = tmp_path / "cover.png"
    image.write_bytes(png_bytes())
    client = sync_e2e.client()
    result = sync_e2e.run(client, "upload", image)
    assert result.files[0].file_type == "image" and result.files[0].cdn_url
    upload = fake.journal("POST", "/api/upload-video/*")[0]
    assert upload["status"] == 200
    assert sync_e2e.run(client, "state").has_assets

    text = tmp_path / "notes.txt"
    text.write_text("not media")
    with pytest.raises(UnsupportedFileType) as unsupported:
        sync_e2e.run(client, "upload", text)
    assert "mp4" in unsupported.value.accepted_formats["video"]

    fake.admin.patch("/_fake/config", json={"upload_max_bytes": 10}).raise_for_status()
    with pytest.raises(FileTooLarge) as large:
        sync_e2e.run(client, "upload", image)
    assert large.value.max_bytes == 10
