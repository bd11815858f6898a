"""What the blocking and the asyncio drivers share: everything but the waiting.

`sync.NemoClient` and `aio.AsyncNemoClient` perform the actions an operation yields
(`actions.py`) with httpx, one blocking and one awaiting. All the rest is here once:
which handler performs which action (`Driver`), the walk through one operation
(`Walk`), the client's state and the turn's result, and how httpx requests, responses
and errors map to the actions' vocabulary.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, Generic, TypeVar

import httpx

from .actions import (
    Action,
    CloseStream,
    Download,
    Downloaded,
    HttpRequest,
    Op,
    OpenStream,
    ReadChunk,
    Result,
    Send,
    Sleep,
    StreamOpened,
)
from .config import ClientConfig, Policy
from .core import CoreOptions
from .envelope import Reply
from .errors import NetworkError
from .models import TurnResult
from .operations import Operations

T = TypeVar("T")
C = TypeVar("C")  # a stream's chunk iterator: Iterator[bytes] or AsyncIterator[bytes]
R = TypeVar("R")  # what a handler returns: the result, or an awaitable of it

# Raised before a byte of the request could reach the server: safe to call "not sent".
_NOT_DELIVERED = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
)


class Walk(Generic[T, C]):
    """One operation being driven: its next action, its open streams, its return value.

    Iterating hands out the actions to perform; the driver reports each outcome with
    `reply` (or `fail` for a transport error) before asking for the next. Closing it
    runs the operation's `finally` blocks (the turn guard) when the caller stops early.
    """

    def __init__(self, op: Op[T]) -> None:
        self._op = op
        self._resume: Callable[[], Action] = lambda: next(op)
        self._streams: dict[int, tuple[httpx.Response, C]] = {}
        self._stream_ids = 0
        self.done = False
        self._value: Any = None

    def __iter__(self) -> Walk[T, C]:
        return self

    def __next__(self) -> Action:
        try:
            action = self._resume()
        except StopIteration as stop:
            self.done, self._value = True, stop.value
            raise StopIteration from None
        self._resume = lambda: self._op.send(None)  # what Emit and Sleep send back
        return action

    def reply(self, result: Result) -> None:
        self._resume = lambda: self._op.send(result)

    def fail(self, exc: httpx.RequestError) -> None:
        error = network_error(exc)
        self._resume = lambda: self._op.throw(error)

    def close(self) -> None:
        self._op.close()

    @property
    def value(self) -> T:
        value: T = self._value
        return value

    def stream_opened(self, response: httpx.Response, chunks: C) -> StreamOpened:
        self._stream_ids += 1
        self._streams[self._stream_ids] = (response, chunks)
        return StreamOpened(self._stream_ids, response.status_code, dict(response.headers))

    def chunks(self, stream_id: int) -> C:
        return self._streams[stream_id][1]

    def stream_closed(self, stream_id: int) -> httpx.Response:
        return self._streams.pop(stream_id)[0]


class TurnEvents(Generic[T]):
    """The part of a turn's event iterator that does not wait: its result."""

    _unfinished = "the turn is not finished: iterate it (or call collect())"

    def __init__(self, events: T, walk: Walk[TurnResult, Any]) -> None:
        self._events = events
        self._walk = walk

    @property
    def result(self) -> TurnResult:
        if not self._walk.done:
            raise RuntimeError(self._unfinished)
        return self._walk.value


class Driver(ABC, Generic[C, R]):
    """A client's state (held by its `Operations`) and the table of action handlers.

    `C` is the driver's chunk iterator, `R` what its handlers return: the result itself
    (blocking) or an awaitable of it (asyncio).
    """

    def __init__(self, config: ClientConfig | None, options: CoreOptions) -> None:
        self.operations = Operations(config or ClientConfig.from_env(), **options)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.operations!r})"

    @property
    def config(self) -> ClientConfig:
        return self.operations.config

    @property
    def token(self) -> str | None:
        return self.operations.token

    @property
    def session_id(self) -> str | None:
        return self.operations.session_id

    @property
    def task_id(self) -> str | None:
        return self.operations.task_id

    @property
    def user_id(self) -> str | None:
        return self.operations.user_id

    def _perform(self, action: Action, walk: Walk[Any, C], stack: Any) -> R:
        match action:
            case Send():
                return self._send(action.request)
            case OpenStream():
                return self._open_stream(action.request, walk, stack)
            case ReadChunk():
                return self._read_chunk(walk.chunks(action.stream_id))
            case CloseStream():
                return self._close_stream(walk.stream_closed(action.stream_id))
            case Download():
                return self._download(action)
            case Sleep():
                return self._pause(action.seconds)
        raise TypeError(f"unknown action {action!r}")  # pragma: no cover - exhaustive above

    # The handlers each driver writes, blocking or awaiting.
    @abstractmethod
    def _send(self, request: HttpRequest) -> R: ...

    @abstractmethod
    def _open_stream(self, request: HttpRequest, walk: Walk[Any, C], stack: Any) -> R: ...

    @abstractmethod
    def _read_chunk(self, chunks: C) -> R: ...

    @abstractmethod
    def _close_stream(self, response: httpx.Response) -> R: ...

    @abstractmethod
    def _download(self, action: Download) -> R: ...

    @abstractmethod
    def _pause(self, seconds: float) -> R: ...

    def _request_kwargs(self, request: HttpRequest, files: ExitStack) -> dict[str, Any]:
        return request_kwargs(request, files, self.operations.policy)


def network_error(exc: httpx.RequestError) -> NetworkError:
    return NetworkError(
        f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__,
        delivered=not isinstance(exc, _NOT_DELIVERED),
        timeout=isinstance(exc, httpx.ReadTimeout),
    )


def request_kwargs(request: HttpRequest, files: ExitStack, policy: Policy) -> dict[str, Any]:
    """httpx keyword arguments; multipart files are opened on `files` (closed by caller)."""
    kwargs: dict[str, Any] = {
        "method": request.method,
        "url": request.url,
        "headers": request.headers,
        "timeout": httpx.Timeout(
            policy.request_timeout, read=request.timeout or policy.request_timeout
        ),
    }
    if request.json is not None:
        kwargs["json"] = request.json
    if request.files:
        kwargs["files"] = [
            (field, (path.name, files.enter_context(path.open("rb")), mime))
            for field, path, mime in request.files
        ]
    return kwargs


def reply_of(response: httpx.Response) -> Reply:
    return Reply(response.status_code, dict(response.headers), response.content)


def is_event_stream(response: httpx.Response) -> bool:
    ctype = response.headers.get("content-type", "")
    return response.is_success and "text/event-stream" in ctype


def is_file(response: httpx.Response) -> bool:
    # A JSON answer to a download is an envelope (maybe an error on HTTP 200), not the video.
    return response.is_success and "json" not in response.headers.get("content-type", "")


class PartFile:
    """A download being written; `downloaded` once the `with` block is left."""

    def __init__(self, action: Download, response: httpx.Response, out: Any) -> None:
        self._action = action
        self._out = out
        value = response.headers.get("content-length", "")
        self._total = int(value) if value.isdigit() else None
        self._done = 0

    def write(self, chunk: bytes) -> None:
        self._out.write(chunk)
        self._done += len(chunk)
        if self._action.on_progress:
            self._action.on_progress(self._done, self._total)

    @property
    def downloaded(self) -> Downloaded:
        return Downloaded(self._action.path, self._done)


@contextmanager
def part_file(action: Download, response: httpx.Response) -> Iterator[PartFile]:
    """Downloads land in `<name>.part`, renamed when complete and removed on failure.

    Plain blocking writes in both drivers: chunks are small and this client is thin.
    """
    path: Path = action.path
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    try:
        with part.open("wb") as out:
            yield PartFile(action, response, out)
        part.replace(path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
