"""Serving the fake's own files (media, render outputs): Starlette's FileResponse, with
the file read on the event loop instead of one worker-thread hop per stat, open, 64 KiB
read and close. The files are local and the fake wrote them itself, so a read takes
microseconds; a hop costs a context switch each (the download was most of an in-process
flow's time on a busy machine). Ranges, HEAD, ETag and Last-Modified stay Starlette's; a
client's disconnect stops the transfer as in Starlette, without its task group per
response (mock_server.http.disconnect)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO, Any

from starlette.responses import FileResponse
from starlette.types import Receive, Scope, Send

from mock_server.http.disconnect import as_asgi_2_4, listens_for_disconnect, until_disconnect


class _OpenFile:
    """The part of anyio's AsyncFile that FileResponse uses, over a plain file."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle

    async def read(self, size: int = -1) -> bytes:
        return self.handle.read(size)

    async def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self.handle.seek(offset, whence)


class LocalFileResponse(FileResponse):
    def __init__(self, path: Path, **kwargs: Any) -> None:
        try:
            stat_result = os.stat(path)
        except FileNotFoundError:
            raise RuntimeError(f"File at path {path} does not exist.") from None
        super().__init__(path, stat_result=stat_result, **kwargs)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not listens_for_disconnect(scope) or self.background is not None:
            await super().__call__(scope, receive, send)
            return
        # Starlette sends an ASGI 2.4 scope's file straight away; the disconnect is ours
        call = super().__call__
        await until_disconnect(lambda: call(as_asgi_2_4(scope), receive, send), receive)

    @asynccontextmanager
    async def _open_file(self) -> AsyncIterator[Any]:
        with open(self.path, "rb") as handle:
            yield _OpenFile(handle)
