"""`AsyncNemoClient`: the asyncio driver of `Operations` (the same actions as `sync.py`).

Only what awaits is written here (and again, blocking, in `sync.py`): the public
methods, the loop that drives an operation, and one handler per action. The rest both
drivers share from `driver.py`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, ExitStack, closing
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar, Unpack

import httpx

from . import models
from .actions import Download, Downloaded, Emit, HttpRequest, Op, ProgressCallback, Result
from .config import ClientConfig
from .core import CoreOptions
from .driver import Driver, TurnEvents, Walk, is_event_stream, is_file, part_file, reply_of
from .events import Event
from .operations import ExportOptions, GenerateOptions
from .render import StatusCallback

T = TypeVar("T")
EventCallback = Callable[[Event], None]
Events = AsyncGenerator[Event, None]
Chunks = AsyncIterator[bytes]


class AsyncTurn(TurnEvents[Events], AsyncIterator[Event]):
    """The events of one message as they arrive (`async for`); `.result` once exhausted."""

    _unfinished = "the turn is not finished: iterate it (or await collect())"

    def __aiter__(self) -> AsyncTurn:
        return self

    async def __anext__(self) -> Event:
        return await anext(self._events)

    async def collect(self) -> models.TurnResult:
        async for _ in self._events:
            pass
        return self.result

    async def aclose(self) -> None:
        await self._events.aclose()

    async def __aenter__(self) -> AsyncTurn:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class AsyncNemoClient(Driver[Chunks, Awaitable[Result]]):
    """Asyncio NemoVideo client. All waiting goes through `sleep`; clocks are injectable.

    Keyword options beyond these go to `Operations`, as for `NemoClient`.
    """

    def __init__(
        self,
        config: ClientConfig | None = None,
        *,
        http: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        **options: Unpack[CoreOptions],
    ) -> None:
        super().__init__(config, options)
        self._owns_http = http is None
        self._http = http or httpx.AsyncClient(transport=transport, follow_redirects=True)
        self._sleep = sleep

    # --- operations -----------------------------------------------------------------

    async def acquire_token(self) -> models.TokenInfo:
        return await self._run(self.operations.acquire_token())

    async def ensure_token(self) -> str:
        return await self._run(self.operations.ensure_token())

    async def create_session(self, language: str | None = None) -> models.SessionInfo:
        return await self._run(self.operations.create_session(language))

    def chat(self, text: str) -> AsyncTurn:
        walk: Walk[models.TurnResult, Chunks] = Walk(self.operations.send_message(text))
        return AsyncTurn(self._events(walk), walk)

    async def send(self, text: str, on_event: EventCallback | None = None) -> models.TurnResult:
        return await self._run(self.operations.send_message(text), on_event)

    async def upload(self, *paths: str | Path) -> models.UploadResult:
        return await self._run(self.operations.upload_files(paths))

    async def upload_urls(self, urls: Sequence[str]) -> models.UploadResult:
        return await self._run(self.operations.upload_urls(urls))

    async def credits(self) -> models.Credits:
        return await self._run(self.operations.credits())

    async def state(self) -> models.SessionState:
        return await self._run(self.operations.get_state())

    async def submit_render(
        self,
        draft: dict[str, Any],
        render_id: str | None = None,
        output: dict[str, Any] | None = None,
    ) -> models.RenderStatus:
        return await self._run(self.operations.submit_render(draft, render_id, output))

    async def poll_render(self, render_id: str) -> models.RenderStatus:
        return await self._run(self.operations.poll_render(render_id))

    async def wait_render(
        self, render_id: str, on_status: StatusCallback | None = None
    ) -> models.RenderStatus:
        return await self._run(self.operations.wait_render(render_id, on_status))

    async def download_render(
        self,
        status: models.RenderStatus,
        path: str | Path,
        on_progress: ProgressCallback | None = None,
    ) -> Downloaded:
        return await self._run(self.operations.download_render(status, path, on_progress))

    async def export(
        self, path: str | Path, **options: Unpack[ExportOptions]
    ) -> models.ExportResult:
        """Options: `draft`, `output`, `on_status`, `on_progress` (see `Operations.export`)."""
        return await self._run(self.operations.export(path, **options))

    async def claim_link(self) -> str:
        return await self._run(self.operations.claim_link())

    async def generate(
        self,
        prompt: str,
        path: str | Path,
        *,
        on_event: EventCallback | None = None,
        **options: Unpack[GenerateOptions],
    ) -> models.GenerateResult:
        """Options: `language`, `new_session`, `on_status`, `on_progress` (`Operations`)."""
        return await self._run(self.operations.generate(prompt, path, **options), on_event)

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
        walk: Walk[T, Chunks] = Walk(op)
        async for event in self._events(walk):
            if on_event:
                on_event(event)
        return walk.value

    async def _events(self, walk: Walk[Any, Chunks]) -> Events:
        async with AsyncExitStack() as stack:
            with closing(walk):  # closed first, as in sync.py: the turn guard, then streams
                for action in walk:
                    if isinstance(action, Emit):
                        yield action.event
                        continue
                    try:
                        walk.reply(await self._perform(action, walk, stack))
                    except httpx.RequestError as exc:
                        walk.fail(exc)

    async def _send(self, request: HttpRequest) -> Result:
        with ExitStack() as files:
            return reply_of(await self._http.request(**self._request_kwargs(request, files)))

    async def _open_stream(
        self, request: HttpRequest, walk: Walk[Any, Chunks], stack: AsyncExitStack
    ) -> Result:
        kwargs = self._request_kwargs(request, stack.enter_context(ExitStack()))
        response = await stack.enter_async_context(self._http.stream(**kwargs))
        if not is_event_stream(response):
            await response.aread()
            return reply_of(response)
        return walk.stream_opened(response, response.aiter_bytes())

    async def _read_chunk(self, chunks: Chunks) -> Result:
        return await anext(chunks, None)

    async def _close_stream(self, response: httpx.Response) -> Result:
        await response.aclose()
        return None

    async def _download(self, action: Download) -> Result:
        kwargs = self._request_kwargs(action.request, ExitStack())  # no files
        async with self._http.stream(**kwargs) as response:
            if not is_file(response):
                await response.aread()
                return reply_of(response)
            with part_file(action, response) as part:
                async for chunk in response.aiter_bytes():
                    part.write(chunk)
        return part.downloaded

    async def _pause(self, seconds: float) -> Result:
        await self._sleep(seconds)
        return None
