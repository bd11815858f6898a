"""`nemo-fake serve --workers 2`: every worker enforces the connection limits that one
process does (request head size and header count, the head's time limit, body size, open
connections). Each check runs on a connection known, from /proc, to be held by each
worker in turn, so a worker without the limits cannot hide behind the other."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator

import httpx
import pytest

from tests.mock_server.http.test_connection_limits import head, read_all
from tests.servers import Served, connection_owner, open_connections, served, worker_pids

pytestmark = [
    pytest.mark.extended,
    pytest.mark.network,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc"),
]

MAX_CONNECTIONS = 6
LIMITS = {
    "max_header_count": 20,
    "max_header_bytes": 4096,
    "head_timeout_seconds": 0.5,
    "keep_alive_seconds": 300,  # idle connections close only when evicted
    "max_connections": MAX_CONNECTIONS,
    "max_body_bytes": 2048,
}
HEALTH = b"GET /_fake/health HTTP/1.1\r\nHost: x\r\n\r\n"
ATTEMPTS = 300  # connections tried before deciding the kernel favours one worker


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    store = tmp_path_factory.mktemp("workers") / "fake.db"
    settings = [f"--set={key}={value}" for key, value in LIMITS.items()]
    with served("--store", f"sqlite:///{store}", "--workers", "2", *settings) as server:
        assert server.proc is not None
        yield server


def port_of(server: Served) -> int:
    return int(server.url.rsplit(":", 1)[1])


def answered(port: int) -> socket.socket:
    """A keep-alive connection that has been answered once (so a worker holds it)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(HEALTH)
    reply = b""
    while b"\r\n\r\n" not in reply or not reply.endswith(b"}"):
        chunk = sock.recv(65536)
        assert chunk, reply
        reply += chunk
    assert reply.startswith(b"HTTP/1.1 200"), reply[:80]
    return sock


def one_per_worker(server: Served) -> dict[int, socket.socket]:
    """An answered connection held by each worker."""
    assert server.proc is not None
    pids = worker_pids(server.proc.pid, port_of(server))
    assert len(pids) == 2, pids
    held: dict[int, socket.socket] = {}
    for _ in range(ATTEMPTS):
        sock = answered(port_of(server))
        owner = connection_owner(sock, pids)
        if owner is None or owner in held:
            sock.close()
        else:
            held[owner] = sock
        if len(held) == len(pids):
            return held
    for sock in held.values():
        sock.close()
    raise AssertionError(f"{ATTEMPTS} connections all went to worker {list(held)}")


def each_worker_answers(server: Served, raw: bytes) -> list[bytes]:
    """What each worker answers `raw` with, on its own connection (then closed)."""
    answers = []
    for sock in one_per_worker(server).values():
        with sock:
            sock.sendall(raw)
            answers.append(read_all(sock))
    return answers


def test_every_worker_refuses_too_many_headers(server: Served) -> None:
    answers = each_worker_answers(server, head([b"X-H%d: v" % i for i in range(25)]))
    assert all(a.startswith(b"HTTP/1.1 431") for a in answers), answers


def test_every_worker_refuses_a_huge_head(server: Served) -> None:
    answers = each_worker_answers(server, head([b"X-Big: " + b"a" * 5000]))
    assert all(a.startswith(b"HTTP/1.1 431") and b"4096 bytes" in a for a in answers), answers


def test_every_worker_closes_a_connection_that_never_finishes_its_head(server: Served) -> None:
    answers = each_worker_answers(server, b"GET /_fake/health HTTP/1.1\r\n")
    assert answers == [b"", b""]  # closed after head_timeout_seconds, nothing said


def test_every_worker_refuses_a_large_body(server: Served) -> None:
    token = httpx.post(
        f"{server.url}/api/auth/anonymous-token", headers={"X-Client-Id": "limits"}
    ).json()["data"]["token"]
    body = b'{"text": "' + b"a" * 3000 + b'"}'
    raw = (
        b"POST /run_sse HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % (token.encode(), len(body)) + body
    )
    answers = each_worker_answers(server, raw)
    assert all(a.startswith(b"HTTP/1.1 413") for a in answers), [a[:80] for a in answers]


def test_every_worker_caps_its_open_connections(server: Served) -> None:
    """Past max_connections a worker closes its longest-idle connections: open answered
    connections until each worker has been given more than its cap, and no worker holds
    more than the cap."""
    assert server.proc is not None
    pids = worker_pids(server.proc.pid, port_of(server))
    given = dict.fromkeys(pids, 0)
    socks = []
    try:
        for _ in range(ATTEMPTS):
            sock = answered(port_of(server))
            socks.append(sock)
            owner = connection_owner(sock, pids)
            assert owner is not None  # the newest connection is never the one evicted
            given[owner] += 1
            if min(given.values()) > MAX_CONNECTIONS + 1:
                break
        assert min(given.values()) > MAX_CONNECTIONS + 1, given
        held = {pid: open_connections(pid, port_of(server)) for pid in pids}
        assert all(1 <= n <= MAX_CONNECTIONS for n in held.values()), (held, given)
    finally:
        for sock in socks:
            sock.close()
