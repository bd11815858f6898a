"""The reference client's contract tests against every dialect the fake offers.

Dimensions: error_status (ok200, mapped) x events (adk, typed) x heartbeat (empty, json,
comment) x render_poll (data, legacy, compat) x token_expiry (7d, never): the full
product, 72 combinations (in process with API time auto-advanced, a row takes ~0.2 s,
so no covering array is needed; `pairwise()` below builds one, and a test checks it
covers every pair, should the matrix ever outgrow the budget). Each row runs the whole
scenario, the sync and the async client in turn:

the seeds' flow (token, session, a generation streamed with heartbeats, export, poll,
download) -> a silent edit reported from the state diff -> 1001 re-auth with the same
client id -> a cut stream recovered from the state without re-sending -> 2001 with the
registration link -> the token's lifetime (re-auth after 7 days, or never needed).
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from client import (
    ClientConfig,
    HeartbeatEvent,
    InsufficientCredits,
    Policy,
    TextEvent,
    ToolCallEvent,
)
from mock_server.testing.handles import FakeHandle
from nemo_protocol.secrets import mask
from tests.client.helpers import FakeClock, Harness
from tests.mock_server.testing.machines import GENERATE

DIMENSIONS: dict[str, tuple[str, ...]] = {
    "error_status": ("ok200", "mapped"),
    "events": ("adk", "typed"),
    "heartbeat": ("empty", "json", "comment"),
    "render_poll": ("data", "legacy", "compat"),
    "token_expiry": ("7d", "never"),
}
CLIENT_ID = "matrix-client-0001"


def pairs_of(row: dict[str, str]) -> set[tuple[str, str, str, str]]:
    names = list(row)
    return {(a, row[a], b, row[b]) for i, a in enumerate(names) for b in names[i + 1 :]}


def pairwise(dimensions: dict[str, tuple[str, ...]]) -> list[dict[str, str]]:
    """A covering array of strength 2: greedily take the combination covering the most
    pairs not yet covered (first one on ties), until every pair is covered."""
    names = list(dimensions)
    rows = [
        dict(zip(names, combo, strict=True)) for combo in itertools.product(*dimensions.values())
    ]
    uncovered = set().union(*(pairs_of(row) for row in rows))
    chosen: list[dict[str, str]] = []
    while uncovered:
        best = max(rows, key=lambda row: len(pairs_of(row) & uncovered))
        chosen.append(best)
        uncovered -= pairs_of(best)
    return chosen


ROWS = [
    dict(zip(DIMENSIONS, combo, strict=True)) for combo in itertools.product(*DIMENSIONS.values())
]


def test_a_pairwise_selection_would_cover_every_pair() -> None:
    everything = set().union(*(pairs_of(row) for row in ROWS))
    selection = pairwise(DIMENSIONS)
    assert set().union(*(pairs_of(row) for row in selection)) == everything
    assert len(selection) <= 12 < len(ROWS) == 72


class ApiClock(FakeClock):
    """The client's clock is the fake's: sleeping advances API time, instantly."""

    def __init__(self, fake: FakeHandle) -> None:
        super().__init__()
        self.fake = fake

    def monotonic(self) -> float:
        return self.fake.now()

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.fake.advance(seconds)


@pytest.mark.nemo(starting_credits=1000, tokens_per_client=10, media_max_side=64)
@pytest.mark.parametrize("row", ROWS, ids=["-".join(row.values()) for row in ROWS])
def test_the_client_in_every_dialect(
    nemo_fake: FakeHandle, tmp_path: Path, row: dict[str, str]
) -> None:
    nemo_fake.dialect(**row)
    mode = "sync" if ROWS.index(row) % 2 == 0 else "async"
    config = ClientConfig(
        api_url=nemo_fake.url,
        web_url="https://web.test",
        client_id=CLIENT_ID,
        skill_source="matrix",
        skill_version="1.0.0",
        skill_platform="unknown",
        config_dir=tmp_path,
    )
    harness = Harness(mode, config, ApiClock(nemo_fake), Policy())
    http: Any = nemo_fake.client if mode == "sync" else nemo_fake.async_client()
    client = harness.client(http=http, wall_clock=nemo_fake.now)
    try:
        scenario(nemo_fake, harness, client, tmp_path, row)
    finally:
        if mode == "async":
            harness.loop.run_until_complete(http.aclose())
        harness.close()


def scenario(
    fake: FakeHandle, harness: Harness, client: Any, tmp_path: Path, row: dict[str, str]
) -> None:
    mapped = row["error_status"] == "mapped"
    # 1. the seeds' flow
    events: list[Any] = []
    out = tmp_path / "fox.mp4"
    result = harness.run(client, "generate", GENERATE, out, on_event=events.append)
    assert result.turn.text and not result.turn.silent
    assert any(isinstance(e, ToolCallEvent) for e in events)
    assert sum(isinstance(e, TextEvent) for e in events) >= 1
    beats = [e for e in events if isinstance(e, HeartbeatEvent)]
    assert beats and {b.source for b in beats} == {row["heartbeat"]}
    assert out.read_bytes()[4:8] == b"ftyp"
    assert result.export.attempts == 1
    assert not result.export.via_proxy, "the poll's own URL was not read"
    assert [r.path for r in fake.requests(method="POST")][:3] == [
        "/api/auth/anonymous-token",
        "/api/tasks/me/with-session/nemo_agent",
        "/run_sse",
    ]
    assert all(r.headers.get("x-skill-source") == "matrix" for r in fake.requests())

    # 2. a silent close is reported from the state diff
    fake.configure(silent_close_rate=1.0)
    silent = harness.run(client, "send", 'add a title "Fox"')
    assert silent.silent and silent.text == ""
    assert any("Fox" in change for change in silent.changes), silent.changes

    # 3. 1001 -> one new token with the same client id, the call repeated once
    fake.fault(method="GET", path="/api/state/*", error_code=1001)
    harness.run(client, "state")
    tokens = fake.requests(path="/api/auth/anonymous-token")
    assert len(tokens) == 2
    assert {t.headers["x-client-id"] for t in tokens} == {mask(CLIENT_ID)}
    states = fake.requests(method="GET", path="/api/state/*")
    assert (states[-2].status, states[-2].code) == ((401 if mapped else 200), 1001)
    assert states[-1].code == 0

    # 4. a cut stream: recovered from the state, never re-sent
    fake.configure(silent_close_rate=0.0)
    fake.fault(method="POST", path="/run_sse", cut_after_events=2)
    before = len(fake.requests(path="/run_sse"))
    recovered = harness.run(client, "send", "add lo-fi background music")
    assert recovered.recovered and recovered.changes
    assert len(fake.requests(path="/run_sse")) == before + 1
    assert harness.clock.sleeps[-1] == Policy().recovery_first_wait

    # 5. 2001 (mapped: HTTP 402 with code 2001 is credits, not the export block)
    fake.fault(method="POST", path="/run_sse", error_code=2001)
    with pytest.raises(InsufficientCredits) as caught:
        harness.run(client, "send", "hello")
    assert caught.value.status == (402 if mapped else 200)
    assert caught.value.registration_url == f"https://web.test/register?bind={client.user_id}"

    # 6. the token's lifetime
    fake.advance(7 * 86400 + 60)
    harness.run(client, "credits")
    expected = 3 if row["token_expiry"] == "7d" else 2
    assert len(fake.requests(path="/api/auth/anonymous-token")) == expected
