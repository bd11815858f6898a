"""uvicorn's HTTP protocol with the fake's connection limits: the request head's size and
header count (431), the time a connection may take to send a head, and a cap on open
connections that closes the longest-idle ones first, so idle or slow sockets can neither
hold memory nor lock other clients out.

uvicorn's httptools protocol buffers a request head without limit and never times out a
connection that has not sent a byte; these limits live where the bytes arrive, before the
app sees anything.

One write per response: uvicorn writes a response's head and its body in two
`transport.write` calls (two send() syscalls, a third of the CPU of a small GET under
load). The connection's writes made in one turn of the event loop are joined into one
(`CoalescingTransport`): a complete response leaves in one send(), and a stream's head
still leaves as soon as the turn ends, without waiting for its first event.
"""

from __future__ import annotations

import asyncio
import resource
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from mock_server.config import FakeConfig, worker_config

FD_RESERVE = 64  # descriptors kept for files, the listening socket, logs


@dataclass(frozen=True)
class ConnectionLimits:
    max_header_bytes: int
    max_header_count: int
    head_timeout_seconds: float
    max_connections: int

    @classmethod
    def of(cls, config: FakeConfig) -> ConnectionLimits:
        return cls(
            max_header_bytes=config.max_header_bytes,
            max_header_count=config.max_header_count,
            head_timeout_seconds=config.head_timeout_seconds,
            max_connections=min(config.max_connections, usable_descriptors()),
        )


class CoalescingTransport:
    """A connection's transport whose writes within one event-loop turn go out as one
    (at the end of the turn, or before a close); everything else is the transport's."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self.raw = transport
        self._loop = loop
        self._pending: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not data:
            return
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(bytes(data) if not isinstance(data, bytes) else data)

    def writelines(self, chunks: Iterable[bytes | bytearray | memoryview]) -> None:
        for chunk in chunks:
            self.write(chunk)

    def flush(self) -> None:
        pending, self._pending = self._pending, []
        if not pending or self.raw.is_closing():
            return
        if len(pending) == 1:
            self.raw.write(pending[0])
        else:
            self.raw.write(b"".join(pending))

    def close(self) -> None:
        self.flush()
        self.raw.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)


class _HeadRefused(Exception):
    """Raised in a parser callback to stop parsing a head past a limit."""


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    limits: ConnectionLimits  # set on the subclass made by protocol_for()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = True  # waiting for (or reading) a request head
        self._head_begun = False  # a head's first bytes arrived, its end has not
        self._head_bytes = 0
        self._header_count = 0
        self._parsed_head = 0  # bytes of request line and headers parsed so far
        self._refusal: str | None = None
        self._head_timer: asyncio.TimerHandle | None = None
        self.last_active = 0.0

    # --- connection life
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.transport = CoalescingTransport(transport, self.loop)  # type: ignore[assignment]
        self.last_active = self.loop.time()
        self._arm_head_timer()
        self._make_room()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    @property
    def idle(self) -> bool:
        """No request is being answered (never sent one, between requests, or mid-head)."""
        return self.cycle is None or self.cycle.response_complete

    def _make_room(self) -> None:
        excess = len(self.connections) - self.limits.max_connections
        if excess <= 0:
            return
        idle = sorted(
            (
                c
                for c in self.connections
                if c is not self and isinstance(c, LimitedHttpToolsProtocol) and c.idle
            ),
            key=lambda c: c.last_active,
        )
        for connection in idle[:excess]:
            connection.transport.close()
        if len(idle) < excess:  # every other connection is busy: this one waits its turn
            self.transport.close()

    # --- the head's time limit
    def _arm_head_timer(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(
                self.limits.head_timeout_seconds, self._head_timed_out
            )

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self._in_head and not self.transport.is_closing():
            self.transport.close()

    # --- bytes in
    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        self.last_active = self.loop.time()
        if self._in_head:
            self._head_bytes += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self._uncoalesced()  # the WebSocket protocol writes to the socket itself
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        except httptools.HttpParserError:
            if self._refusal is not None:
                self._refuse(self._refusal)
            else:
                self.send_400_response("Invalid HTTP request received.")
            return
        if self._in_head and self._head_bytes > self.limits.max_header_bytes:
            self._refuse(f"Request head larger than {self.limits.max_header_bytes} bytes")
        elif self._head_begun:
            # armed only for a head that did not arrive whole in this read (a timer per
            # request, set and cancelled at once, cost more than the rest of the head)
            self._arm_head_timer()

    def _uncoalesced(self) -> None:
        transport = self.transport
        if isinstance(transport, CoalescingTransport):
            transport.flush()
            self.transport = transport.raw

    def _refuse(self, message: str) -> None:
        body = message.encode("ascii")
        self.transport.write(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
            b"content-type: text/plain; charset=utf-8\r\n"
            b"content-length: " + str(len(body)).encode() + b"\r\n"
            b"connection: close\r\n\r\n" + body
        )
        self.transport.close()

    # --- parser callbacks
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = self._head_begun = True
        self._header_count = self._parsed_head = 0

    def on_url(self, url: bytes) -> None:
        self._count_head(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        if self._header_count > self.limits.max_header_count:
            self._stop(f"More than {self.limits.max_header_count} request headers")
        self._count_head(len(name) + len(value) + 4)
        super().on_header(name, value)

    def _count_head(self, size: int) -> None:
        """The parsed head's size: a head that arrives in one read is caught here."""
        self._parsed_head += size
        if self._parsed_head > self.limits.max_header_bytes:
            self._stop(f"Request head larger than {self.limits.max_header_bytes} bytes")

    def _stop(self, refusal: str) -> None:
        self._refusal = refusal
        raise _HeadRefused(refusal)

    def on_headers_complete(self) -> None:
        self._in_head = self._head_begun = False
        self._head_bytes = 0
        self._cancel_head_timer()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        self._in_head, self._head_bytes = True, 0
        self.last_active = self.loop.time()
        super().on_response_complete()


def protocol_for(limits: ConnectionLimits) -> type[LimitedHttpToolsProtocol]:
    return type("FakeHttpProtocol", (LimitedHttpToolsProtocol,), {"limits": limits})


class WorkerHttpProtocol(LimitedHttpToolsProtocol):
    """The protocol of `serve --workers N`: uvicorn pickles its settings into each spawned
    worker, and a class pickles by name only, so each worker reads the limits from the
    configuration the supervisor put in its environment (as its app does)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.limits = worker_limits()
        super().__init__(*args, **kwargs)


@cache
def worker_limits() -> ConnectionLimits:
    return ConnectionLimits.of(worker_config())


def usable_descriptors() -> int:
    """Connections this process can hold: the soft descriptor limit (raised to the hard
    one when allowed) less a reserve, so accept() never fails for lack of descriptors."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        target = 65_536 if hard == resource.RLIM_INFINITY else hard
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return max(1, soft - FD_RESERVE)


def connection_options(config: FakeConfig, workers: bool = False) -> dict[str, Any]:
    """uvicorn.Config options that apply `config`'s connection limits; with `workers`,
    options that survive the pickling into spawned workers (which must find `config` in
    their environment: config.worker_config)."""
    return {
        "http": WorkerHttpProtocol if workers else protocol_for(ConnectionLimits.of(config)),
        "timeout_keep_alive": config.keep_alive_seconds,
        "h11_max_incomplete_event_size": config.max_header_bytes,
    }
