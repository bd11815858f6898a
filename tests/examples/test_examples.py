"""A third-party client (raw_client.py) tested with the nemo_fake plugin, in process
(respx routing: the client builds its own httpx.Client from NEMO_API_URL) and over a
real socket. The first three tests are the README's examples ("Testing your own
client"), verbatim: tests/examples/test_readme.py keeps them in sync."""

from __future__ import annotations

import pytest

from tests.examples.raw_client import RawNemoClient


def test_happy_path(nemo_fake, tmp_path):
    with nemo_fake.mock():  # NEMO_API_URL -> the fake, httpx routed to it in process
        client = RawNemoClient(sleep=nemo_fake.advance)  # waits are API time: instant
        client.start()
        reply = client.send("make a 2-second video of a red fox")
        video = client.export(tmp_path / "fox.mp4")
    assert reply.text and reply.heartbeats > 0
    assert video.read_bytes()[4:8] == b"ftyp"
    assert [r.path for r in nemo_fake.requests(method="POST")][:3] == [
        "/api/auth/anonymous-token",
        "/api/tasks/me/with-session/nemo_agent",
        "/run_sse",
    ]


@pytest.mark.nemo(silent_close_rate=1.0, starting_credits=1000)
def test_silent_close(nemo_fake):
    with nemo_fake.mock():
        client = RawNemoClient(sleep=nemo_fake.advance)
        client.start()
        client.send("make a 2-second video of a red fox")
        reply = client.send('add a title "Fox"')  # ends with no text at all
    assert reply.silent and "title 'Fox'" in reply.changes


def test_expired_token_is_renewed(nemo_fake):
    with nemo_fake.mock():
        client = RawNemoClient(sleep=nemo_fake.advance)
        client.start()
        nemo_fake.advance(7 * 24 * 3600 + 60)  # anonymous tokens live 7 days
        client.credits()  # 1001, a new token, the same call again
    tokens = nemo_fake.requests(path="/api/auth/anonymous-token")
    assert len(tokens) == 2  # with the same X-Client-Id (masked in the journal)
    assert tokens[0].headers["x-client-id"] == tokens[1].headers["x-client-id"]
    assert [r.code for r in nemo_fake.requests(path="/api/credits/*")] == [1001, 0]


# --- beyond the README --------------------------------------------------------------------


@pytest.mark.nemo(tokens_per_client=2, error_status="mapped")
def test_injected_1001_in_the_mapped_dialect(nemo_fake):
    with nemo_fake.mock():
        client = RawNemoClient(sleep=nemo_fake.advance)
        client.start()
        nemo_fake.fault(path="/api/state/*", error_code=1001)
        assert client.state()["draft"] == {}
    assert [(r.status, r.code) for r in nemo_fake.requests(path="/api/state/*")] == [
        (401, 1001),
        (200, 0),
    ]


def test_rate_limited_token_waits_30_seconds(nemo_fake):
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        nemo_fake.advance(seconds)

    nemo_fake.fault(path="/api/auth/anonymous-token", error_code=429)
    with nemo_fake.mock():
        RawNemoClient(sleep=sleep).start()
    assert waits == [30]


def test_over_a_real_socket(nemo_fake_server, monkeypatch, tmp_path):
    monkeypatch.setenv("NEMO_API_URL", nemo_fake_server.url)
    client = RawNemoClient(sleep=nemo_fake_server.advance)
    client.start()
    reply = client.send("make a 2-second video of a red fox")
    assert reply.text and "generate_video_with_seedance" in reply.tools
    assert client.export(tmp_path / "fox.mp4").stat().st_size > 0
    client.close()


@pytest.mark.nemo(events="typed", heartbeat="comment", render_poll="legacy")
def test_other_dialects_on_the_shared_server(nemo_fake_session_server, tmp_path):
    account = nemo_fake_session_server.new_account(credits=100)  # isolated from other tests
    client = RawNemoClient(nemo_fake_session_server.url, sleep=nemo_fake_session_server.advance)
    client.token = account.token
    client.start()
    reply = client.send("make a 2-second video of a red fox")
    assert reply.text and reply.heartbeats > 0
    assert client.export(tmp_path / "fox.mp4").stat().st_size > 0
    assert client.credits() == {"available": 0, "frozen": 0, "total": 0}
    client.close()
