"""The recording proxy: streams through, writes the cassette as it goes, guards the budget."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from mock_server.app import build_app
from mock_server.clock import Clock
from mock_server.config import FakeConfig
from mock_server.fake import Fake
from mock_server.recording.capture import sha256_hex
from mock_server.recording.cassette import Cassette
from mock_server.recording.record import RecordingProxy
from mock_server.testing import AsyncStreamingTransport, ServerThread, StreamingTransport
from tests.conftest import run_body
from tests.mock_server.recording.helpers import ATTRIBUTION, sse_frames

UPSTREAM = "http://upstream.local"


def clocked_stream(clock: Clock, cut: bool = False) -> Any:
    """An upstream whose second SSE frame waits 10 s of (manual) API time."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        await receive()
        start = clock.now()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/event-stream")],
            }
        )
        await send({"type": "http.response.body", "body": b'data: {"n":1}\n\n', "more_body": True})
        await clock.sleep_until(start + 10)
        await send(
            {
                "type": "http.response.body",
                "body": b'data: {"n":2}\n\ndata: {"n"',
                "more_body": True,
            }
        )
        if cut:
            raise RuntimeError("upstream crashed mid-stream")
        await send({"type": "http.response.body", "body": b":3}\n\n", "more_body": False})

    return app


def test_sse_frames_reach_the_client_before_the_upstream_sends_the_next(tmp_path: Path) -> None:
    clock = Clock("manual")
    cassette = tmp_path / "s.json"
    with ServerThread(clocked_stream(clock)) as upstream:
        proxy = RecordingProxy(upstream, cassette, allow_spend=True)
        with (
            ServerThread(proxy) as url,
            httpx.Client(base_url=url, timeout=5) as client,
            client.stream("POST", "/run_sse", json={"session_id": "1"}) as response,
        ):
            frames = sse_frames(response)
            first = next(frames)
            assert first == 'data: {"n":1}\n\n'
            assert clock.now() == Clock("manual").now()  # the clock has not moved yet
            clock.advance(10)
            rest = list(frames)
    assert rest == ['data: {"n":2}\n\n', 'data: {"n":3}\n\n']
    recorded = Cassette.load(cassette).interactions[0].response
    assert recorded.sse is not None
    assert [c.raw for c in recorded.sse] == [first, *rest]
    assert recorded.sse[0].offset_ms <= recorded.sse[1].offset_ms


def test_an_upstream_cut_reaches_the_client_and_the_frames_so_far_are_kept(tmp_path: Path) -> None:
    clock = Clock("manual")
    cassette = tmp_path / "cut.json"
    proxy = RecordingProxy(
        UPSTREAM,
        cassette,
        allow_spend=True,
        transport=AsyncStreamingTransport(clocked_stream(clock, cut=True)),
    )
    with (
        httpx.Client(
            transport=StreamingTransport(proxy), base_url="http://proxy.local", timeout=5
        ) as client,
        client.stream("POST", "/run_sse", json={}) as response,
    ):
        frames = sse_frames(response)
        next(frames)
        clock.advance(10)
        with pytest.raises(httpx.RemoteProtocolError):
            list(frames)
    sse = Cassette.load(cassette).interactions[0].response.sse
    assert sse is not None
    assert [c.raw for c in sse] == ['data: {"n":1}\n\n', 'data: {"n":2}\n\n', 'data: {"n"']


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[Fake]:
    instance = Fake(FakeConfig(clock="manual", seed=5, data_dir=str(tmp_path / "data")))
    yield instance
    instance.close()


def _proxy(fake: Fake, cassette: Path, **options: Any) -> tuple[RecordingProxy, httpx.Client]:
    proxy = RecordingProxy(
        UPSTREAM, cassette, transport=AsyncStreamingTransport(build_app(fake)), **options
    )
    return proxy, httpx.Client(
        transport=StreamingTransport(proxy), base_url="http://proxy.local", timeout=10
    )


def test_each_completed_interaction_is_saved_redacted(
    fake: Fake, tmp_path: Path, sample_mp4: Path
) -> None:
    cassette = tmp_path / "c.json"
    _, client = _proxy(fake, cassette, client="pytest")
    with client:
        r = client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "client-abcdef"})
        token = r.json()["data"]["token"]
        assert Cassette.load(cassette).interactions[0].response.body["data"]["token"] == "<TOKEN_1>"
        auth = {"Authorization": f"Bearer {token}", **ATTRIBUTION}
        sid = client.post(
            "/api/tasks/me/with-session/nemo_agent", json={"task_name": "p"}, headers=auth
        ).json()["data"]["session_id"]
        data = sample_mp4.read_bytes()
        up = client.post(
            f"/api/upload-video/nemo_agent/me/{sid}",
            files=[("files", ("clip.mp4", data, "video/mp4"))],
            headers=auth,
        )
        cdn_url = up.json()["data"]["files"][0]["cdn_url"]
        assert cdn_url.startswith("http://proxy.local/media/")  # links lead back through the proxy
        media = client.get(cdn_url)
        assert media.content == data
    loaded = Cassette.load(cassette)
    assert loaded.provenance["client"] == "pytest"
    assert loaded.provenance["base_url"] == UPSTREAM
    assert len(loaded.interactions) == 4
    upload = loaded.interactions[2]
    assert upload.request.body == {
        "multipart": [
            {
                "name": "files",
                "filename": "clip.mp4",
                "size": len(data),
                "sha256": sha256_hex(data),
                "content_type": "video/mp4",
            }
        ]
    }
    assert upload.response.body["data"]["files"][0]["cdn_url"].startswith("<BASE_URL_1>/media/")
    download = loaded.interactions[3]
    assert download.response.binary == {
        "size": len(data),
        "sha256": sha256_hex(data),
        "content_type": "video/mp4",
    }
    text = cassette.read_text()
    assert token not in text and "client-abcdef" not in text
    assert [i.started_at_offset_ms for i in loaded.interactions] == sorted(
        i.started_at_offset_ms for i in loaded.interactions
    )


def test_budget_guard(fake: Fake, tmp_path: Path) -> None:
    cassette = tmp_path / "b.json"
    proxy, client = _proxy(fake, cassette, max_requests=2)
    with client:
        token = client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "c-1"}).json()[
            "data"
        ]["token"]
        auth = {"Authorization": f"Bearer {token}"}
        spend = client.post("/run_sse", json=run_body("1", "generate a video"), headers=auth)
        assert spend.status_code == 403
        assert "--allow-spend" in spend.json()["message"]
        assert client.get("/api/credits/balance/simple", headers=auth).status_code == 200
        over = client.get("/api/credits/balance/simple", headers=auth)
        assert over.status_code == 429
        assert over.json()["code"] == 429
        assert "--max-requests 2" in over.json()["message"]
    assert len(fake.journal.entries()) == 2  # refused requests never reach the upstream
    assert len(Cassette.load(cassette).interactions) == 2
    assert [r["status"] for r in proxy.refused] == [403, 429]


def test_an_unreachable_upstream_is_a_clear_502(tmp_path: Path) -> None:
    async def nothing(scope: Scope, receive: Receive, send: Send) -> None:
        return None

    with ServerThread(nothing) as dead:
        pass  # started and stopped: nothing listens on that port any more
    proxy = RecordingProxy(dead, tmp_path / "x.json")
    with httpx.Client(transport=StreamingTransport(proxy), base_url="http://proxy.local") as client:
        r = client.get("/api/credits/balance/simple")
    assert r.status_code == 502
    assert "failed" in json.loads(r.content)["message"]
    assert not (tmp_path / "x.json").exists()


def test_head_requests_keep_the_length(fake: Fake, tmp_path: Path, sample_mp4: Path) -> None:
    cassette = tmp_path / "h.json"
    _, client = _proxy(fake, cassette)
    with client:
        token = client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "c-h"}).json()[
            "data"
        ]["token"]
        auth = {"Authorization": f"Bearer {token}"}
        sid = client.post(
            "/api/tasks/me/with-session/nemo_agent", json={"task_name": "p"}, headers=auth
        ).json()["data"]["session_id"]
        files = [("files", ("clip.mp4", sample_mp4.read_bytes(), "video/mp4"))]
        cdn_url = client.post(
            f"/api/upload-video/nemo_agent/me/{sid}", files=files, headers=auth
        ).json()["data"]["files"][0]["cdn_url"]
        head = client.head(cdn_url)
    assert head.status_code == 200
    assert head.headers["content-length"] == str(sample_mp4.stat().st_size)
    assert head.content == b""
    recorded = Cassette.load(cassette).interactions[-1]
    assert recorded.request.method == "HEAD"
    assert recorded.response.body is None
