"""`AsyncNemoClient`: the asyncio driver of `Operations` (same actions as `sync.py`)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, ExitStack
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
    def __init__(self) -> None:
        self.done = False
        self.value: Any = None


class AsyncTurn(AsyncIterator[Event]):
    """The events of one message as they arrive (`async for`); `.result` once exhausted."""

    def __init__(self, steps: AsyncGenerator[Event, None], box: _Box) -> None:
        self._steps = steps
        self._box = box

    def __aiter__(self) -> AsyncTurn:
        return self

    async def __anext__(self) -> Event:
        return await self._steps.__anext__()

    @property
    def result(self) -> TurnResult:
        if not self._box.done:
            raise RuntimeError("the turn is not finished: iterate it (or await collect())")
        result: TurnResult = self._box.value
        return result

    async def collect(self) -> TurnResult:
        async for _ in self._steps:
            pass
        return self.result

    async def aclose(self) -> None:
        await self._steps.aclose()

    async def __aenter__(self) -> AsyncTurn:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class AsyncNemoClient:
    """Asyncio NemoVideo client. All waiting goes through `sleep`; clocks are injectable."""

    def __init__(
        self,
        config: ClientConfig | None = None,
        *,
        http: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
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
        self._http = http or httpx.AsyncClient(transport=transport, follow_redirects=True)
        self._sleep = sleep
        self._stream_ids = 0

    def __repr__(self) -> str:
        return f"AsyncNemoClient({self.operations!r})"

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

    async def acquire_token(self) -> TokenInfo:
        return await self._run(self.operations.acquire_token())

    async def ensure_token(self) -> str:
        return await self._run(self.operations.ensure_token())

    async def create_session(self, language: str | None = None) -> SessionInfo:
        return await self._run(self.operations.create_session(language))

    def chat(self, text: str) -> AsyncTurn:
        box = _Box()
        return AsyncTurn(self._steps(self.operations.send_message(text), box), box)

    async def send(self, text: str, on_event: EventCallback | None = None) -> TurnResult:
        return await self._run(self.operations.send_message(text), on_event)

    async def upload(self, *paths: str | Path) -> UploadResult:
        return await self._run(self.operations.upload_files(paths))

    async def upload_urls(self, urls: Sequence[str]) -> UploadResult:
        return await self._run(self.operations.upload_urls(urls))

    async def credits(self) -> Credits:
        return await self._run(self.operations.credits())

    async def state(self) -> SessionState:
        return await self._run(self.operations.get_state())

    async def submit_render(
        self,
        draft: dict[str, Any],
        render_id: str | None = None,
        output: dict[str, Any] | None = None,
    ) -> RenderStatus:
        return await self._run(self.operations.submit_render(draft, render_id, output))

    async def poll_render(self, render_id: str) -> RenderStatus:
        return await self._run(self.operations.poll_render(render_id))

    async def wait_render(
        self, render_id: str, on_status: StatusCallback | None = None
    ) -> RenderStatus:
        return await self._run(self.operations.wait_render(render_id, on_status))

    async def download_render(
        self, status: RenderStatus, path: str | Path, on_progress: ProgressCallback | None = None
    ) -> Downloaded:
        return await self._run(self.operations.download_render(status, path, on_progress))

    async def export(
        self,
        path: str | Path,
        *,
        draft: dict[str, Any] | None = None,
        output: dict[str, Any] | None = None,
        on_status: StatusCallback | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> ExportResult:
        return await self._run(
            self.operations.export(
                path, draft=draft, output=output, on_status=on_status, on_progress=on_progress
            )
        )

    async def claim_link(self) -> str:
        return await self._run(self.operations.claim_link())

    async def generate(
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
        return await self._run(op, on_event)

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncNemoClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # --- the driver -----------------------------------------------------------------

    async def _run(self, op: Op[T], on_event: EventCallback | None = None) -> T:
        box = _Box()
        async for event in self._steps(op, box):
            if on_event:
                on_event(event)
        value: T = box.value
        return value

    async def _steps(self, op: Op[Any], box: _Box) -> AsyncGenerator[Event, None]:
        async with AsyncExitStack() as stack:
            streams: dict[int, _Stream] = {}
            try:
                action: Action = next(op)
                while True:
                    if isinstance(action, Emit):
                        yield action.event
                        action = op.send(None)
                        continue
                    try:
                        result = await self._perform(action, streams, stack)
                    except httpx.RequestError as exc:
                        action = op.throw(network_error(exc))
                    else:
                        action = op.send(result)
            except StopIteration as stop:
                box.done, box.value = True, stop.value
            finally:
                op.close()  # runs the core's `finally` blocks (turn guard) on early exit

    async def _perform(
        self, action: Action, streams: dict[int, _Stream], stack: AsyncExitStack
    ) -> Result:
        policy = self.operations.policy
        if isinstance(action, Send):
            with ExitStack() as files:
                response = await self._http.request(**request_kwargs(action.request, files, policy))
            return reply_of(response)
        if isinstance(action, OpenStream):
            kwargs = request_kwargs(action.request, stack.enter_context(ExitStack()), policy)
            response = await stack.enter_async_context(self._http.stream(**kwargs))
            if not is_event_stream(response):
                await response.aread()
                return reply_of(response)
            self._stream_ids += 1
            streams[self._stream_ids] = _Stream(response, response.aiter_bytes())
            return StreamOpened(self._stream_ids, response.status_code, dict(response.headers))
        if isinstance(action, ReadChunk):
            return await anext(streams[action.stream_id].chunks, None)
        if isinstance(action, CloseStream):
            await streams.pop(action.stream_id).response.aclose()
            return None
        if isinstance(action, Download):
            return await self._download(action)
        if isinstance(action, Sleep):
            await self._sleep(action.seconds)
            return None
        raise TypeError(f"unknown action {action!r}")  # pragma: no cover - exhaustive above

    async def _download(self, action: Download) -> Result:
        kwargs = request_kwargs(action.request, ExitStack(), self.operations.policy)  # no files
        async with self._http.stream(**kwargs) as response:
            if not is_file(response):
                await response.aread()
                return reply_of(response)
            total, done = content_length(response), 0
            part = part_path(action.path)
            try:
                # Plain blocking writes: chunks are small and this client is thin.
                with part.open("wb") as out:
                    async for chunk in response.aiter_bytes():
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
    def __init__(self, response: httpx.Response, chunks: AsyncIterator[bytes]) -> None:
        self.response = response
        self.chunks = chunks
