"""In-process httpx transports that *stream* an ASGI app's responses.

httpx's ASGITransport collects the whole body before returning, so an SSE stream that
waits on the fake's clock would never return. These run the app as a task and hand body
chunks to the caller as they are sent; an app that ends a response without finishing it
(a dropped connection, a cut stream) raises httpx.RemoteProtocolError, as uvicorn's
socket close does over the network. `StreamingTransport` is the sync flavour: it runs
the app on an event loop in a background thread.

Both take an optional `advancer` (`autoadvance.DeadlineTracker`): while the caller waits
for a head or a chunk and the app is parked on the manual clock, the clock jumps to the
app's next deadline, so a stream plays to its end in API time without anyone calling
`advance()` (see autoadvance.py).

Request bodies stream too, as uvicorn hands them over: in chunks of at most 64 KiB,
pulled only when the app asks for more. An app that stops reading (a 4002 or 413 mid-way)
stops the upload there, and the fake never holds a whole upload in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Coroutine, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
from starlette.types import ASGIApp, Message

if TYPE_CHECKING:
    from mock_server.testing.autoadvance import DeadlineTracker

T = TypeVar("T")
_END = object()
_CLIENT = ("127.0.0.1", 50_000)
CHUNK = 64 * 1024  # the most uvicorn hands the app per `http.request` message


class _RequestBody:
    """The request body as ASGI `http.request` messages, pulled from the request's own
    stream on demand (a sync stream is read in a worker thread, off the event loop)."""

    def __init__(self, request: httpx.Request) -> None:
        stream = request.stream
        self._async: AsyncIterator[bytes] | None = None
        self._sync: Iterator[bytes] | None = None
        if isinstance(stream, httpx.AsyncByteStream):
            self._async = stream.__aiter__()
        elif isinstance(stream, httpx.SyncByteStream):
            self._sync = iter(stream)
        else:  # pragma: no cover - httpx always gives one of the two
            self._sync = iter([request.read()])
        self._pending = b""
        self._done = False

    async def _pull(self) -> bytes | None:
        if self._async is not None:
            return await anext(self._async, None)
        assert self._sync is not None
        return await asyncio.get_running_loop().run_in_executor(None, next, self._sync, None)

    async def message(self) -> Message:
        while not self._pending and not self._done:
            chunk = await self._pull()
            if chunk is None:
                self._done = True
            else:
                self._pending = bytes(chunk)
        piece, self._pending = self._pending[:CHUNK], self._pending[CHUNK:]
        more = bool(self._pending) or not self._done
        return {"type": "http.request", "body": piece, "more_body": more}

    @property
    def finished(self) -> bool:
        return self._done and not self._pending


class _AppRun:
    """One request through the app: response head as a future, body chunks on a queue."""

    def __init__(
        self,
        app: ASGIApp,
        request: httpx.Request,
        advancer: DeadlineTracker | None = None,
    ) -> None:
        self.app, self.request, self.body = app, request, _RequestBody(request)
        self.advancer = advancer
        self.head: asyncio.Future[tuple[int, list[tuple[bytes, bytes]]]] = (
            asyncio.get_running_loop().create_future()
        )
        self.chunks: asyncio.Queue[object] = asyncio.Queue()
        self.disconnected = asyncio.Event()
        self.complete = False
        self.task = asyncio.ensure_future(self._run())

    def _scope(self) -> dict[str, Any]:
        url = self.request.url
        return {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": self.request.method,
            "scheme": url.scheme,
            "path": url.path,
            "raw_path": url.raw_path.split(b"?")[0],
            "query_string": url.query,
            "root_path": "",
            "headers": [(k.lower(), v) for k, v in self.request.headers.raw],
            "client": _CLIENT,
            "server": (url.host, url.port or (443 if url.scheme == "https" else 80)),
            "state": {},
        }

    async def _run(self) -> None:
        async def receive() -> Message:
            if not self.body.finished:
                return await self.body.message()
            await self.disconnected.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                if not self.head.done():
                    self.head.set_result((message["status"], list(message.get("headers", []))))
            elif message["type"] == "http.response.body":
                chunk = message.get("body", b"")
                if chunk:
                    self.chunks.put_nowait(chunk)
                if not message.get("more_body", False):
                    self.complete = True
                    self.chunks.put_nowait(_END)

        try:
            await self.app(self._scope(), receive, send)
        except Exception as exc:  # surfaced to the caller as the transport error
            if not self.head.done():
                self.head.set_exception(exc)
            self.chunks.put_nowait(exc)
        finally:
            if not self.head.done():
                self.head.set_exception(
                    httpx.RemoteProtocolError("Server disconnected without sending a response.")
                )
            if not self.complete:
                self.chunks.put_nowait(
                    httpx.RemoteProtocolError(
                        "peer closed connection without sending complete message body"
                    )
                )

    async def response_head(self) -> tuple[int, list[tuple[bytes, bytes]]]:
        if self.advancer is not None:
            await self.advancer.wait(self.head.done)
        return await self.head

    async def next_chunk(self) -> bytes | None:
        if self.advancer is not None:
            await self.advancer.wait(lambda: not self.chunks.empty())
        item = await self.chunks.get()
        if item is _END:
            return None
        if isinstance(item, BaseException):
            raise item
        assert isinstance(item, bytes)
        return item

    async def close(self) -> None:
        self.disconnected.set()
        if not self.task.done():
            try:
                await asyncio.wait_for(asyncio.shield(self.task), timeout=1.0)
            except (TimeoutError, Exception):
                self.task.cancel()
                with contextlib.suppress(BaseException):
                    await self.task


class _AsyncBody(httpx.AsyncByteStream):
    def __init__(self, run: _AppRun) -> None:
        self.run = run

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while (chunk := await self.run.next_chunk()) is not None:
            yield chunk

    async def aclose(self) -> None:
        await self.run.close()


class AsyncStreamingTransport(httpx.AsyncBaseTransport):
    def __init__(self, app: ASGIApp, advancer: DeadlineTracker | None = None) -> None:
        self.app = app
        self.advancer = advancer

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        run = _AppRun(self.app, request, self.advancer)
        status, headers = await run.response_head()
        return httpx.Response(status, headers=headers, stream=_AsyncBody(run), request=request)


class _LoopThread:
    """An event loop in a daemon thread, shared by every sync request of a transport."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self.loop.run_forever, name="nemo-fake-loop", daemon=True
        )
        self.thread.start()

    def call(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=5)
        if not self.loop.is_running():
            self.loop.close()


class _SyncBody(httpx.SyncByteStream):
    def __init__(self, runner: _LoopThread, run: _AppRun) -> None:
        self.runner, self.run = runner, run

    def __iter__(self) -> Iterator[bytes]:
        while (chunk := self.runner.call(self.run.next_chunk())) is not None:
            yield chunk

    def close(self) -> None:
        self.runner.call(self.run.close())


class _DualBody(_SyncBody, httpx.AsyncByteStream):
    """A body readable from sync code and from any event loop: the app runs on the
    transport's own loop thread (what respx routing needs: one side effect serves
    httpx.Client and httpx.AsyncClient alike)."""

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            future = asyncio.run_coroutine_threadsafe(self.run.next_chunk(), self.runner.loop)
            chunk = await asyncio.wrap_future(future)
            if chunk is None:
                return
            yield chunk

    async def aclose(self) -> None:
        future = asyncio.run_coroutine_threadsafe(self.run.close(), self.runner.loop)
        await asyncio.wrap_future(future)


class StreamingTransport(httpx.BaseTransport):
    def __init__(self, app: ASGIApp, advancer: DeadlineTracker | None = None) -> None:
        self.app = app
        self.advancer = advancer
        self._runner: _LoopThread | None = None

    @property
    def runner(self) -> _LoopThread:
        if self._runner is None:
            self._runner = _LoopThread()
        return self._runner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        runner = self.runner

        async def start() -> tuple[_AppRun, int, list[tuple[bytes, bytes]]]:
            run = _AppRun(self.app, request, self.advancer)
            status, headers = await run.response_head()
            return run, status, headers

        run, status, headers = runner.call(start())
        return httpx.Response(
            status, headers=headers, stream=_DualBody(runner, run), request=request
        )

    def close(self) -> None:
        if self._runner is not None:
            self._runner.stop()
            self._runner = None
