"""`NemoClient`: the blocking driver of `Operations` (see `actions.py` for the contract).

Only what blocks is written here (and again, awaiting, in `aio.py`): the public
methods, the loop that drives an operation, and one handler per action. The rest both
drivers share from `driver.py`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import ExitStack, closing
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
Events = Generator[Event, None, None]


class Turn(TurnEvents[Events], Iterator[Event]):
    """The events of one message as they arrive; `.result` once exhausted.

    Closing it early (or leaving its `with` block) closes the stream and frees the
    session's turn guard.
    """

    def __iter__(self) -> Turn:
        return self

    def __next__(self) -> Event:
        return next(self._events)

    def collect(self) -> models.TurnResult:
        for _ in self._events:
            pass
        return self.result

    def close(self) -> None:
        self._events.close()

    def __enter__(self) -> Turn:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class NemoClient(Driver[Iterator[bytes], Result]):
    """Blocking NemoVideo client. All waiting goes through `sleep`; clocks are injectable.

    Keyword options beyond these (`policy`, `guard`, `monotonic`, `wall_clock`,
    `language`, `session_id`, `task_id`, `user_id`) go to `Operations` (`CoreOptions`).
    """

    def __init__(
        self,
        config: ClientConfig | None = None,
        *,
        http: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        **options: Unpack[CoreOptions],
    ) -> None:
        super().__init__(config, options)
        self._owns_http = http is None
        self._http = http or httpx.Client(transport=transport, follow_redirects=True)
        self._sleep = sleep

    # --- operations -----------------------------------------------------------------

    def acquire_token(self) -> models.TokenInfo:
        return self._run(self.operations.acquire_token())

    def ensure_token(self) -> str:
        return self._run(self.operations.ensure_token())

    def create_session(self, language: str | None = None) -> models.SessionInfo:
        return self._run(self.operations.create_session(language))

    def chat(self, text: str) -> Turn:
        walk: Walk[models.TurnResult, Iterator[bytes]] = Walk(self.operations.send_message(text))
        return Turn(self._events(walk), walk)

    def send(self, text: str, on_event: EventCallback | None = None) -> models.TurnResult:
        return self._run(self.operations.send_message(text), on_event)

    def upload(self, *paths: str | Path) -> models.UploadResult:
        return self._run(self.operations.upload_files(paths))

    def upload_urls(self, urls: Sequence[str]) -> models.UploadResult:
        return self._run(self.operations.upload_urls(urls))

    def credits(self) -> models.Credits:
        return self._run(self.operations.credits())

    def state(self) -> models.SessionState:
        return self._run(self.operations.get_state())

    def submit_render(
        self,
        draft: dict[str, Any],
        render_id: str | None = None,
        output: dict[str, Any] | None = None,
    ) -> models.RenderStatus:
        return self._run(self.operations.submit_render(draft, render_id, output))

    def poll_render(self, render_id: str) -> models.RenderStatus:
        return self._run(self.operations.poll_render(render_id))

    def wait_render(
        self, render_id: str, on_status: StatusCallback | None = None
    ) -> models.RenderStatus:
        return self._run(self.operations.wait_render(render_id, on_status))

    def download_render(
        self,
        status: models.RenderStatus,
        path: str | Path,
        on_progress: ProgressCallback | None = None,
    ) -> Downloaded:
        return self._run(self.operations.download_render(status, path, on_progress))

    def export(self, path: str | Path, **options: Unpack[ExportOptions]) -> models.ExportResult:
        """Options: `draft`, `output`, `on_status`, `on_progress` (see `Operations.export`)."""
        return self._run(self.operations.export(path, **options))

    def claim_link(self) -> str:
        return self._run(self.operations.claim_link())

    def generate(
        self,
        prompt: str,
        path: str | Path,
        *,
        on_event: EventCallback | None = None,
        **options: Unpack[GenerateOptions],
    ) -> models.GenerateResult:
        """Options: `language`, `new_session`, `on_status`, `on_progress` (`Operations`)."""
        return self._run(self.operations.generate(prompt, path, **options), on_event)

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
        walk: Walk[T, Iterator[bytes]] = Walk(op)
        for event in self._events(walk):
            if on_event:
                on_event(event)
        return walk.value

    def _events(self, walk: Walk[Any, Iterator[bytes]]) -> Events:
        with ExitStack() as stack, closing(walk):
            for action in walk:
                if isinstance(action, Emit):
                    yield action.event
                    continue
                try:
                    walk.reply(self._perform(action, walk, stack))
                except httpx.RequestError as exc:
                    walk.fail(exc)

    def _send(self, request: HttpRequest) -> Result:
        with ExitStack() as files:
            return reply_of(self._http.request(**self._request_kwargs(request, files)))

    def _open_stream(
        self, request: HttpRequest, walk: Walk[Any, Iterator[bytes]], stack: ExitStack
    ) -> Result:
        kwargs = self._request_kwargs(request, stack.enter_context(ExitStack()))
        response = stack.enter_context(self._http.stream(**kwargs))
        if not is_event_stream(response):
            response.read()
            return reply_of(response)
        return walk.stream_opened(response, response.iter_bytes())

    def _read_chunk(self, chunks: Iterator[bytes]) -> Result:
        return next(chunks, None)

    def _close_stream(self, response: httpx.Response) -> Result:
        response.close()
        return None

    def _download(self, action: Download) -> Result:
        kwargs = self._request_kwargs(action.request, ExitStack())  # no files
        with self._http.stream(**kwargs) as response:
            if not is_file(response):
                response.read()
                return reply_of(response)
            with part_file(action, response) as part:
                for chunk in response.iter_bytes():
                    part.write(chunk)
        return part.downloaded

    def _pause(self, seconds: float) -> Result:
        self._sleep(seconds)
        return None
