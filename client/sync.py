"""`NemoClient`: the blocking driver of `Operations` (see `actions.py` for the contract).

Kept by hand beside `aio.py` on purpose (duplicates tool: client/sync.py ~ client/aio.py,
~ client/operations.py, ~ client/__init__.py): the two drivers have the same methods
with the same signatures as `Operations`, one blocking and one async; each method is a
one-line hand-off, so generating one from the other (unasync) would save little and
hide the public signatures from readers and type checkers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import ExitStack
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import httpx

from .actions import (
    Action,
    CloseStream,
    Download,
    Downloaded,
    Emit,
    Op,
    OpenStream,
    ProgressCallback,
    ReadChunk,
    Result,
    Send,
    Sleep,
    StreamOpened,
)
from .config import ClientConfig, Policy
from .core import TurnGuard
from .events import Event
from .models import (
    Credits,
    ExportResult,
    GenerateResult,
    RenderStatus,
    SessionInfo,
    SessionState,
    TokenInfo,
    TurnResult,
    UploadResult,
)
from .operations import Operations
from .render import StatusCallback
from .transport import (
    content_length,
    is_event_stream,
    is_file,
    network_error,
    part_path,
    reply_of,
    request_kwargs,
)

T = TypeVar("T")
EventCallback = Callable[[Event], None]


class _Box:
    """Where a driven operation leaves its return value."""

    def __init__(self) -> None:
        self.done = False
        self.value: Any = None


class Turn(Iterator[Event]):
    """The events of one message as they arrive; `.result` once exhausted.

    Closing it early (or leaving its `with` block) closes the stream and frees the
    session's turn guard.
    """

    def __init__(self, steps: Generator[Event, None, None], box: _Box) -> None:
        self._steps = steps
        self._box = box

    def __iter__(self) -> Turn:
        return self

    def __next__(self) -> Event:
        return next(self._steps)

    @property
    def result(self) -> TurnResult:
        if not self._box.done:
            raise RuntimeError("the turn is not finished: iterate it (or call collect())")
        result: TurnResult = self._box.value
        return result

    def collect(self) -> TurnResult:
        for _ in self._steps:
            pass
        return self.result

    def close(self) -> None:
        self._steps.close()

    def __enter__(self) -> Turn:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class NemoClient:
    """Blocking NemoVideo client. All waiting goes through `sleep`; clocks are injectable."""

    def __init__(
        self,
        config: ClientConfig | None = None,
        *,
        http: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        policy: Policy | None = None,
        guard: TurnGuard | None = None,
        language: str | None = None,
        session_id: str | None = None,
        task_id: str | None = None,
        user_id: str | None = None,
    ) -> None:
        self.operations = Operations(
            config or ClientConfig.from_env(),
            policy=policy,
            guard=guard,
            monotonic=monotonic,
            wall_clock=wall_clock,
            language=language,
            session_id=session_id,
            task_id=task_id,
            user_id=user_id,
        )
        self._owns_http = http is None
        self._http = http or httpx.Client(transport=transport, follow_redirects=True)
        self._sleep = sleep
        self._stream_ids = 0

    def __repr__(self) -> str:
        return f"NemoClient({self.operations!r})"

    # --- state shortcuts ------------------------------------------------------------

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

    # --- operations -----------------------------------------------------------------

    def acquire_token(self) -> TokenInfo:
        return self._run(self.operations.acquire_token())

    def ensure_token(self) -> str:
        return self._run(self.operations.ensure_token())

    def create_session(self, language: str | None = None) -> SessionInfo:
        return self._run(self.operations.create_session(language))

    def chat(self, text: str) -> Turn:
        box = _Box()
        return Turn(self._steps(self.operations.send_message(text), box), box)

    def send(self, text: str, on_event: EventCallback | None = None) -> TurnResult:
        return self._run(self.operations.send_message(text), on_event)

    def upload(self, *paths: str | Path) -> UploadResult:
        return self._run(self.operations.upload_files(paths))

    def upload_urls(self, urls: Sequence[str]) -> UploadResult:
        return self._run(self.operations.upload_urls(urls))

    def credits(self) -> Credits:
        return self._run(self.operations.credits())

    def state(self) -> SessionState:
        return self._run(self.operations.get_state())

    def submit_render(
        self,
        draft: dict[str, Any],
        render_id: str | None = None,
        output: dict[str, Any] | None = None,
    ) -> RenderStatus:
        return self._run(self.operations.submit_render(draft, render_id, output))

    def poll_render(self, render_id: str) -> RenderStatus:
        return self._run(self.operations.poll_render(render_id))

    def wait_render(self, render_id: str, on_status: StatusCallback | None = None) -> RenderStatus:
        return self._run(self.operations.wait_render(render_id, on_status))

    def download_render(
        self, status: RenderStatus, path: str | Path, on_progress: ProgressCallback | None = None
    ) -> Downloaded:
        return self._run(self.operations.download_render(status, path, on_progress))

    def export(
        self,
        path: str | Path,
        *,
        draft: dict[str, Any] | None = None,
        output: dict[str, Any] | None = None,
        on_status: StatusCallback | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> ExportResult:
        return self._run(
            self.operations.export(
                path, draft=draft, output=output, on_status=on_status, on_progress=on_progress
            )
        )

    def claim_link(self) -> str:
        return self._run(self.operations.claim_link())

    def generate(
        self,
        prompt: str,
        path: str | Path,
        *,
        language: str | None = None,
        new_session: bool = True,
        on_event: EventCallback | None = None,
        on_status: StatusCallback | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> GenerateResult:
        op = self.operations.generate(
            prompt,
            path,
            language=language,
            new_session=new_session,
            on_status=on_status,
            on_progress=on_progress,
        )
        return self._run(op, on_event)

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> NemoClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- the driver -----------------------------------------------------------------

    def _run(self, op: Op[T], on_event: EventCallback | None = None) -> T:
        box = _Box()
        for event in self._steps(op, box):
            if on_event:
                on_event(event)
        value: T = box.value
        return value

    def _steps(self, op: Op[Any], box: _Box) -> Generator[Event, None, None]:
        with ExitStack() as stack:
            streams: dict[int, _Stream] = {}
            try:
                action: Action = next(op)
                while True:
                    if isinstance(action, Emit):
                        yield action.event
                        action = op.send(None)
                        continue
                    try:
                        result = self._perform(action, streams, stack)
                    except httpx.RequestError as exc:
                        action = op.throw(network_error(exc))
                    else:
                        action = op.send(result)
            except StopIteration as stop:
                box.done, box.value = True, stop.value
            finally:
                op.close()  # runs the core's `finally` blocks (turn guard) on early exit

    def _perform(self, action: Action, streams: dict[int, _Stream], stack: ExitStack) -> Result:
        policy = self.operations.policy
        if isinstance(action, Send):
            with ExitStack() as files:
                response = self._http.request(**request_kwargs(action.request, files, policy))
            return reply_of(response)
        if isinstance(action, OpenStream):
            kwargs = request_kwargs(action.request, stack.enter_context(ExitStack()), policy)
            response = stack.enter_context(self._http.stream(**kwargs))
            if not is_event_stream(response):
                response.read()
                return reply_of(response)
            self._stream_ids += 1
            streams[self._stream_ids] = _Stream(response, response.iter_bytes())
            return StreamOpened(self._stream_ids, response.status_code, dict(response.headers))
        if isinstance(action, ReadChunk):
            return next(streams[action.stream_id].chunks, None)
        if isinstance(action, CloseStream):
            streams.pop(action.stream_id).response.close()
            return None
        if isinstance(action, Download):
            return self._download(action)
        if isinstance(action, Sleep):
            self._sleep(action.seconds)
            return None
        raise TypeError(f"unknown action {action!r}")  # pragma: no cover - exhaustive above

    def _download(self, action: Download) -> Result:
        kwargs = request_kwargs(action.request, ExitStack(), self.operations.policy)  # no files
        with self._http.stream(**kwargs) as response:
            if not is_file(response):
                response.read()
                return reply_of(response)
            total, done = content_length(response), 0
            part = part_path(action.path)
            try:
                with part.open("wb") as out:
                    for chunk in response.iter_bytes():
                        out.write(chunk)
                        done += len(chunk)
                        if action.on_progress:
                            action.on_progress(done, total)
                part.replace(action.path)
            except BaseException:
                part.unlink(missing_ok=True)
                raise
        return Downloaded(action.path, done)


class _Stream:
    def __init__(self, response: httpx.Response, chunks: Iterator[bytes]) -> None:
        self.response = response
        self.chunks = chunks
