"""The in-process transports hand request bodies over as uvicorn does: in chunks, pulled
only as the app reads, so the streaming upload limit works (and is tested) in process
(issue 14: 11)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from starlette.types import Message, Receive, Scope, Send

from mock_server.app import build_app
from mock_server.config import FakeConfig
from mock_server.fake import Fake
from mock_server.testing import StreamingTransport
from mock_server.testing.transport import CHUNK, AsyncStreamingTransport

BOUNDARY = b"nemo-boundary"
TOTAL = 20 * 1024 * 1024


async def recording_app(scope: Scope, receive: Receive, send: Send) -> None:
    """Answers with the size of each http.request message it received."""
    sizes: list[int] = []
    while True:
        message: Message = await receive()
        sizes.append(len(message.get("body", b"")))
        if not message.get("more_body", False):
            break
    body = ",".join(map(str, sizes)).encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


def test_a_body_arrives_in_uvicorn_sized_chunks() -> None:
    with httpx.Client(transport=StreamingTransport(recording_app), base_url="http://t") as c:
        sizes = [int(s) for s in c.post("/", content=b"x" * (3 * CHUNK + 5)).text.split(",")]
    assert sizes[:4] == [CHUNK, CHUNK, CHUNK, 5] and sum(sizes) == 3 * CHUNK + 5


def test_the_async_transport_streams_too() -> None:
    async def body() -> AsyncIterator[bytes]:
        for _ in range(3):
            yield b"y" * 1000

    async def post() -> str:
        transport = AsyncStreamingTransport(recording_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            return (await c.post("/", content=body())).text

    sizes = [int(s) for s in asyncio.run(post()).split(",")]
    assert sum(sizes) == 3000 and len([s for s in sizes if s]) == 3


class Counted:
    """A multipart upload of TOTAL bytes, produced on demand, counting what was pulled."""

    def __init__(self) -> None:
        self.pulled = 0

    def __iter__(self) -> Iterator[bytes]:
        head = (
            b"--" + BOUNDARY + b"\r\n"
            b'Content-Disposition: form-data; name="files"; filename="big.mp4"\r\n'
            b"Content-Type: video/mp4\r\n\r\n"
        )
        yield head
        for _ in range(TOTAL // CHUNK):
            self.pulled += CHUNK
            yield b"\0" * CHUNK
        yield b"\r\n--" + BOUNDARY + b"--\r\n"


@pytest.mark.parametrize("dialect", ["ok200", "mapped"])
def test_the_upload_limit_stops_reading_in_process(tmp_path: Path, dialect: str) -> None:
    fake = Fake(
        FakeConfig(
            clock="manual",
            data_dir=str(tmp_path),
            upload_max_bytes=256 * 1024,
            error_status=dialect,  # type: ignore[arg-type]
        )
    )
    token, account = fake.mint_account()
    with fake.service.lock:
        session = fake.service.sessions.create(account, "t", "en")
    body = Counted()
    try:
        with httpx.Client(transport=StreamingTransport(build_app(fake)), base_url="http://f") as c:
            response = c.post(
                f"/api/upload-video/nemo_agent/me/{session.session_id}",
                headers={
                    "Authorization": f"Bearer {token.value}",
                    "Content-Type": f"multipart/form-data; boundary={BOUNDARY.decode()}",
                },
                content=body,
            )
    finally:
        fake.close()
    assert response.json()["code"] == 4002
    assert response.status_code == (413 if dialect == "mapped" else 200)
    # the fake stopped reading just past the limit, as over a socket
    assert body.pulled < 4 * 256 * 1024 < TOTAL


def test_threads_each_run_the_app_on_their_own_loop(tmp_path: Path) -> None:
    """Sync callers in several threads share one fake (its state is not tied to a loop)."""
    import threading

    fake = Fake(FakeConfig(clock="manual", data_dir=str(tmp_path)))
    token, _ = fake.mint_account(credits=50)
    auth = {"Authorization": f"Bearer {token.value}"}
    transport = StreamingTransport(build_app(fake))
    answers: list[int] = []

    def calls() -> None:
        with httpx.Client(transport=transport, base_url="http://f") as c:
            for _ in range(5):
                answers.append(c.get("/api/credits/balance/simple", headers=auth).json()["code"])

    try:
        threads = [threading.Thread(target=calls) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        transport.close()
        fake.close()
    assert answers == [0] * 15
    assert len(fake.journal) == 15


def test_a_sync_call_from_async_code_runs_on_the_loop_thread() -> None:
    transport = StreamingTransport(recording_app)

    async def call() -> str:
        request = httpx.Request("POST", "http://t/", content=b"abc")
        response = transport.handle_request(request)
        return response.read().decode()

    try:
        assert sum(int(s) for s in asyncio.run(call()).split(",")) == 3
    finally:
        transport.close()
