"""One write per response (mock_server.http.protocol.CoalescingTransport): a connection's
writes in one event-loop turn leave as one, a stream's head does not wait for its first
event, a close sends what is pending first, and a WebSocket upgrade gets the socket."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import connect

from mock_server.app import build_app
from mock_server.config import FakeConfig
from mock_server.fake import Fake
from mock_server.http.protocol import CoalescingTransport
from mock_server.testing import ServerThread


class Recorder:
    """The socket side of a transport: what was written, in which calls."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str) -> Any:
        return f"info:{name}"


def coalescing() -> tuple[CoalescingTransport, Recorder, asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    raw = Recorder()
    return CoalescingTransport(raw, loop), raw, loop  # type: ignore[arg-type]


def one_turn(loop: asyncio.AbstractEventLoop) -> None:
    loop.run_until_complete(asyncio.sleep(0))


def test_writes_in_one_turn_leave_as_one_write() -> None:
    transport, raw, loop = coalescing()
    try:
        transport.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
        transport.write(bytearray(b"{}"))
        transport.write(b"")
        assert raw.writes == []  # nothing leaves before the turn ends
        one_turn(loop)
        assert raw.writes == [b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}"]
        transport.writelines([b"a", memoryview(b"b")])
        one_turn(loop)
        assert raw.writes[1:] == [b"ab"]
    finally:
        loop.close()


def test_a_close_sends_the_pending_bytes_first_and_other_calls_pass_through() -> None:
    transport, raw, loop = coalescing()
    try:
        transport.write(b"bye")
        transport.close()
        assert raw.writes == [b"bye"] and raw.closed
        transport.write(b"late")
        one_turn(loop)  # the socket is closing: nothing more goes out
        assert raw.writes == [b"bye"]
        assert transport.get_extra_info("peername") == "info:peername"
    finally:
        loop.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[Fake, int]]:
    # a scaled clock: the chat's 3 s warm-up before its greeting passes in 3 ms
    fake = Fake(FakeConfig(data_dir=str(tmp_path), clock="scaled", time_scale=0.001))
    with ServerThread(build_app(fake)) as url:
        yield fake, int(url.rsplit(":", 1)[1])
    fake.close()


def read_response(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


@pytest.mark.network
def test_keep_alive_responses_arrive_whole_and_in_order(server: tuple[Fake, int]) -> None:
    _fake, port = server
    request = b"GET /_fake/health HTTP/1.1\r\nHost: x\r\n\r\n"
    last = b"GET /_fake/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request * 2 + last)  # pipelined: answered one after the other
        answer = read_response(sock)
    responses = answer.split(b"HTTP/1.1 200 OK\r\n")[1:]
    assert len(responses) == 3
    for response in responses:
        head, _, body = response.partition(b"\r\n\r\n")
        length = int(next(h for h in head.split(b"\r\n") if h.startswith(b"content-length"))[16:])
        assert len(body) == length and json.loads(body)["status"] == "ok"


@pytest.mark.network
def test_a_websocket_upgrade_still_talks_to_the_socket(server: tuple[Fake, int]) -> None:
    fake, port = server
    token, account = fake.mint_account(kind="registered", credits=100)
    with fake.service.lock:
        session = fake.service.sessions.create(account, "project", "en").session_id
    url = f"ws://127.0.0.1:{port}/ws/chat?token={token.value}&session_id={session}"
    with connect(url, open_timeout=10) as ws:
        ws.send(json.dumps({"type": "ping"}))
        kinds = []
        while "pong" not in kinds and len(kinds) < 20:  # the greeting comes first
            kinds.append(json.loads(ws.recv(timeout=10))["type"])
    assert "session_ready" in kinds and kinds[-1] == "pong", kinds
