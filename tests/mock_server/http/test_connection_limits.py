"""Connection limits on a real uvicorn socket (loopback): request heads bounded in size
and header count (431), a connection that sends no head is closed, and past
max_connections the longest-idle connections make room (issue 14: 3, 4)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mock_server.app import build_app
from mock_server.cli import is_loopback
from mock_server.config import FakeConfig
from mock_server.fake import Fake
from mock_server.http.protocol import usable_descriptors
from mock_server.testing import ServerThread

pytestmark = pytest.mark.network


@pytest.fixture
def port(tmp_path: Path) -> Iterator[int]:
    fake = Fake(
        FakeConfig(
            data_dir=str(tmp_path),
            max_header_bytes=4096,
            max_header_count=20,
            head_timeout_seconds=0.3,
            max_connections=8,
        )
    )
    with ServerThread(build_app(fake)) as url:
        yield int(url.rsplit(":", 1)[1])
    fake.close()


def exchange(port: int, raw: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(raw)
        return read_all(sock)


def read_all(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def head(headers: list[bytes], path: bytes = b"/_fake/health") -> bytes:
    return (
        b"GET "
        + path
        + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        + b"".join(h + b"\r\n" for h in headers)
        + b"\r\n"
    )


@pytest.mark.parametrize(("count", "ok"), [(18, True), (19, False)])  # + Host, Connection
def test_header_count_limit_is_exact(port: int, count: int, ok: bool) -> None:
    answer = exchange(port, head([b"X-H%d: v" % i for i in range(count)]))
    assert answer.startswith(b"HTTP/1.1 200" if ok else b"HTTP/1.1 431"), answer[:80]


@pytest.mark.parametrize("split", [False, True], ids=["one-read", "trickled"])
def test_a_huge_header_is_431(port: int, split: bool) -> None:
    raw = head([b"X-Big: " + b"a" * 100_000])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        if split:  # the head never completes within the limit: refused mid-way
            # past the limit, stop sending: the server has read all it was sent when it
            # refuses, so its close is not a reset that loses the answer
            for start in range(0, 5000, 1000):
                sock.sendall(raw[start : start + 1000])
        else:
            sock.sendall(raw)
        answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 431") and b"4096 bytes" in answer


def test_a_huge_url_is_431(port: int) -> None:
    assert exchange(port, head([], path=b"/" + b"a" * 10_000)).startswith(b"HTTP/1.1 431")


def test_a_connection_that_sends_no_head_is_closed(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET /_fake/health HTTP/1.1\r\n")  # and never the rest
        assert read_all(sock) == b""  # closed by the server after head_timeout_seconds


def test_a_kept_alive_connection_that_sends_half_a_head_is_closed(port: int) -> None:
    """The head's time limit holds for every request of a connection, not only its first:
    here the first head arrives whole, the second never ends."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET /_fake/health HTTP/1.1\r\nHost: x\r\n\r\n")
        first = b""
        while b"\r\n\r\n" not in first or not first.endswith(b"}"):
            first += sock.recv(65536)
        assert first.startswith(b"HTTP/1.1 200")
        sock.sendall(b"GET /_fake/health HTTP/1.1\r\nHo")  # and never the rest
        assert read_all(sock) == b""  # closed by the server after head_timeout_seconds


def test_idle_connections_make_room_for_new_clients(port: int) -> None:
    idle = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(30)]
    try:
        with httpx.Client(timeout=10) as client:
            for _ in range(5):  # served while 30 idle sockets exceed max_connections=8
                response = client.get(f"http://127.0.0.1:{port}/_fake/health")
                assert response.status_code == 200
        closed = 0
        for sock in idle:
            if sock.recv(1) == b"":
                closed += 1
        assert closed == 30  # each evicted (oldest first) or timed out; none lingers
    finally:
        for sock in idle:
            sock.close()


def test_descriptor_budget_is_positive() -> None:
    assert usable_descriptors() >= 1


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.5", False),
        ("example.test", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_worker_options_survive_the_spawn_into_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """uvicorn pickles its settings into each `--workers` process: the protocol travels
    by name, and the worker reads its limits from the configuration in its environment."""
    import pickle

    import uvicorn

    from mock_server.config import WORKER_CONFIG_ENV
    from mock_server.http.protocol import (
        WorkerHttpProtocol,
        connection_options,
        worker_limits,
    )

    config = FakeConfig(data_dir=str(tmp_path), max_header_count=7, keep_alive_seconds=42)
    options = connection_options(config, workers=True)
    sent = uvicorn.Config("mock_server.workers:app", factory=True, workers=2, **options)
    received = pickle.loads(pickle.dumps(sent))
    assert received.http is WorkerHttpProtocol
    assert received.timeout_keep_alive == 42
    assert received.h11_max_incomplete_event_size == config.max_header_bytes
    monkeypatch.setenv(WORKER_CONFIG_ENV, config.model_dump_json())
    worker_limits.cache_clear()
    try:
        assert worker_limits().max_header_count == 7
    finally:
        worker_limits.cache_clear()
