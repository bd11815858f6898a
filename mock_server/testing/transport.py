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

Where the app runs (`StreamingTransport`): a sync caller with no event loop of its own
runs the request on an event loop of its own thread (one per thread and transport), so a
request costs no thread hand-off; the fake's state is not tied to a loop (the clock wakes
sleepers on whichever loop they wait). A caller inside a running loop (respx routing an
`httpx.AsyncClient`) gets the transport's loop thread instead. A response the app has
finished by the time its head arrives (every REST call) is returned whole, chunk for chunk
as sent, without another turn of the loop.
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
_NOTHING = object()
_CLIENT = ("127.0.0.1", 50_000)
CHUNK = 64 * 1024  # the most uvicorn hands the app per `http.request` message


class _RequestBody:
    """The request body as ASGI `http.request` messages, pulled from the request's own
    stream on demand (a sync stream is read in a worker thread, off the event loop)."""

    def __init__(self, request: httpx.Request, inline: bool = False) -> None:
        stream = request.stream
        self._inline = inline  # the caller's own thread: a sync stream is read right here
        self._async: AsyncIterator[bytes] | None = None
        self._sync: Iterator[bytes] | None = None
        if isinstance(stream, httpx.AsyncByteStream):
            self._async = stream.__aiter__()
        elif isinstance(stream, httpx.SyncByteStream):
            self._sync = iter(stream)
        else:  # pragma: no cover - httpx always gives one of the two
            self._sync = iter([request.read()])
        self._pending = b""
        self._offset = 0  # how much of _pending was handed over already
        self._done = False

    async def _pull(self) -> bytes | None:
        if self._async is not None:
            return await anext(self._async, None)
        assert self._sync is not None
        if self._inline:
            return next(self._sync, None)
        return await asyncio.get_running_loop().run_in_executor(None, next, self._sync, None)

    async def message(self) -> Message:
        while self._offset >= len(self._pending) and not self._done:
            chunk = await self._pull()
            if chunk is None:
                self._done = True
            else:
                self._pending, self._offset = chunk, 0
        pending, start = self._pending, self._offset
        if start == 0 and len(pending) <= CHUNK:  # the usual case: handed over as is
            piece = bytes(pending)
        else:  # one copy per piece, never of the rest
            piece = bytes(memoryview(pending)[start : start + CHUNK])
        self._offset = start + len(piece)
        more = self._offset < len(pending) or not self._done
        return {"type": "http.request", "body": piece, "more_body": more}

    @property
    def finished(self) -> bool:
        return self._done and self._offset >= len(self._pending)


class _AppRun:
    """One request through the app: response head as a future, body chunks on a queue."""

    def __init__(
        self,
        app: ASGIApp,
        request: httpx.Request,
        advancer: DeadlineTracker | None = None,
        inline: bool = False,
    ) -> None:
        self.app, self.request, self.body = app, request, _RequestBody(request, inline)
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

    def sent_whole(self) -> list[bytes] | None:
        """Every chunk of the body, when the app has finished the response and returned
        (a REST call by the time its head arrives); None while anything is still to come."""
        if not (self.complete and self.task.done()):
            return None
        chunks = []
        while not self.chunks.empty():
            item = self.chunks.get_nowait()
            if isinstance(item, bytes):
                chunks.append(item)
        return chunks

    def queued_chunk(self) -> object:
        """A chunk (or the end, or an error) already sent, without running the loop;
        `_NOTHING` when the queue is empty."""
        return self.chunks.get_nowait() if not self.chunks.empty() else _NOTHING

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


class _Sent(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body the app has sent completely, chunk for chunk as sent."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        yield from self.chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk


class AsyncStreamingTransport(httpx.AsyncBaseTransport):
    def __init__(self, app: ASGIApp, advancer: DeadlineTracker | None = None) -> None:
        self.app = app
        self.advancer = advancer

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        run = _AppRun(self.app, request, self.advancer)
        status, headers = await run.response_head()
        whole = run.sent_whole()
        stream = _AsyncBody(run) if whole is None else _Sent(whole)
        return httpx.Response(status, headers=headers, stream=stream, request=request)


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


class _OwnLoopBody(httpx.SyncByteStream):
    """A streamed body whose app runs on the reading thread's own loop: chunks already
    sent are taken as they are; the loop runs only to wait for the next one."""

    def __init__(self, loop: asyncio.AbstractEventLoop, run: _AppRun) -> None:
        self.loop, self.run = loop, run

    def __iter__(self) -> Iterator[bytes]:
        while True:
            item = self.run.queued_chunk()
            if item is _NOTHING:
                chunk = self._wait_for_chunk()
            elif item is _END:
                return
            elif isinstance(item, BaseException):
                raise item
            else:
                chunk = item  # type: ignore[assignment]
            if chunk is None:
                return
            yield chunk

    def _wait_for_chunk(self) -> bytes | None:
        """`run_until_complete(next_chunk())`, one loop turn shorter for a chunk in the
        middle of a stream: the loop stops in the turn the chunk arrives (the app has
        parked again by then) instead of a turn later, in the done callback. The end of
        the body (or an error) stops it the usual way, a turn later, so the app's
        remaining work (the journal's record of the response) runs before we return."""
        loop = self.loop
        armed = True  # stop the loop when done (not once abandoned, see below)

        async def next_chunk() -> bytes | None:
            try:
                chunk = await self.run.next_chunk()
            except BaseException:
                if armed:
                    loop.call_soon(loop.stop)
                raise
            if armed:
                loop.stop() if chunk is not None else loop.call_soon(loop.stop)
            return chunk

        task = loop.create_task(next_chunk())
        try:
            loop.run_forever()
        finally:
            if not task.done():  # interrupted (e.g. KeyboardInterrupt): abandoned
                armed = False
                task.cancel()
        if not task.done():
            raise RuntimeError("Event loop stopped before Future completed.")
        return task.result()

    def close(self) -> None:
        if not self.run.task.done():
            self.loop.run_until_complete(self.run.close())


class _ThreadLoops:
    """One event loop per calling thread (created on its first request), closed with the
    transport."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._lock = threading.Lock()
        self._loops: list[asyncio.AbstractEventLoop] = []

    def get(self) -> asyncio.AbstractEventLoop:
        loop: asyncio.AbstractEventLoop | None = getattr(self._local, "loop", None)
        if loop is None or loop.is_closed():
            loop = self._local.loop = asyncio.new_event_loop()
            with self._lock:
                self._loops.append(loop)
        return loop

    def close(self) -> None:
        with self._lock:
            loops, self._loops = self._loops, []
        for loop in loops:
            if loop.is_running() or loop.is_closed():
                continue  # another thread is inside a request on it: left to that thread
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            if pending:
                with contextlib.suppress(BaseException):
                    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()


class StreamingTransport(httpx.BaseTransport):
    def __init__(self, app: ASGIApp, advancer: DeadlineTracker | None = None) -> None:
        self.app = app
        self.advancer = advancer
        self._runner: _LoopThread | None = None
        self._loops = _ThreadLoops()

    @property
    def runner(self) -> _LoopThread:
        if self._runner is None:
            self._runner = _LoopThread()
        return self._runner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        stream: httpx.SyncByteStream
        if asyncio._get_running_loop() is not None:  # inside async code: the loop thread
            runner = self.runner
            run, status, headers = runner.call(self._start(request, inline=False))
            whole = run.sent_whole()
            stream = _DualBody(runner, run) if whole is None else _Sent(whole)
        else:
            loop = self._loops.get()
            run, status, headers = loop.run_until_complete(self._start(request, inline=True))
            whole = run.sent_whole()
            stream = _OwnLoopBody(loop, run) if whole is None else _Sent(whole)
        return httpx.Response(status, headers=headers, stream=stream, request=request)

    async def _start(
        self, request: httpx.Request, inline: bool
    ) -> tuple[_AppRun, int, list[tuple[bytes, bytes]]]:
        run = _AppRun(self.app, request, self.advancer, inline=inline)
        status, headers = await run.response_head()
        return run, status, headers

    def close(self) -> None:
        self._loops.close()
        if self._runner is not None:
            self._runner.stop()
            self._runner = None
