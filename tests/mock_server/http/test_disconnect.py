"""EventStreamResponse and LocalFileResponse: the messages of Starlette's StreamingResponse
and FileResponse, the same stop when the client disconnects, without a task group per
response (mock_server.http.disconnect)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from starlette.responses import FileResponse, StreamingResponse
from starlette.types import Message

from mock_server.http.files import LocalFileResponse
from mock_server.http.routes_sse import EventStreamResponse

SCOPE = {"type": "http", "method": "POST", "asgi": {"version": "3.0", "spec_version": "2.3"}}


class Frames:
    """Three frames, then waits (as a stream parked on the clock) until released."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.closed = False

    async def __call__(self) -> AsyncIterator[bytes]:
        try:
            for i in range(3):
                yield f"data: {i}\n\n".encode()
            await self.release.wait()
            yield b"data: last\n\n"
        finally:
            self.closed = True


async def _play(
    cls: type[StreamingResponse], disconnect_after: int | None
) -> tuple[list[Any], Frames]:
    frames, sent = Frames(), []
    gone = asyncio.Event()

    async def receive() -> dict[str, Any]:
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)
        bodies = [m for m in sent if m["type"] == "http.response.body"]
        if disconnect_after is None:
            if len(bodies) == 3:
                frames.release.set()
        elif len(bodies) == disconnect_after:
            gone.set()

    response = cls(frames(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
    await asyncio.wait_for(response(SCOPE, receive, send), 5)
    return sent, frames


@pytest.mark.parametrize("disconnect_after", [None, 2])
def test_same_messages_as_starlette(disconnect_after: int | None) -> None:
    ours, our_frames = asyncio.run(_play(EventStreamResponse, disconnect_after))
    theirs, _ = asyncio.run(_play(StreamingResponse, disconnect_after))
    assert ours == theirs
    assert our_frames.closed  # the stream's generator is finished either way
    if disconnect_after:  # stopped while parked: no later frame, no end of body
        assert len(ours) == 1 + 3


def test_an_error_in_send_reaches_the_caller_and_cancellation_from_outside_stays() -> None:
    class Cut(Exception):
        pass

    async def never() -> dict[str, Any]:
        await asyncio.Event().wait()
        return {}

    async def cut(message: Message) -> None:
        if message["type"] == "http.response.body":
            raise Cut()

    async def main() -> None:
        with pytest.raises(Cut):
            await EventStreamResponse(Frames()())(SCOPE, never, cut)
        parked = asyncio.ensure_future(
            EventStreamResponse(Frames()())(SCOPE, never, lambda m: asyncio.sleep(0))
        )
        await asyncio.sleep(0.01)
        parked.cancel()
        with pytest.raises(asyncio.CancelledError):
            await parked
        assert len(asyncio.all_tasks()) == 1  # the disconnect listener is gone too

    asyncio.run(main())


@pytest.mark.parametrize(
    ("method", "headers"),
    [("GET", []), ("HEAD", []), ("GET", [(b"range", b"bytes=10-99")]), ("GET", [(b"range", b"x")])],
)
def test_a_local_file_is_sent_as_starlette_sends_it(
    tmp_path: Path, method: str, headers: list[tuple[bytes, bytes]]
) -> None:
    path = tmp_path / "out.mp4"
    path.write_bytes(bytes(range(256)) * 1000)  # four 64 KiB chunks
    scope = {**SCOPE, "method": method, "headers": headers}

    async def play(cls: type[FileResponse]) -> list[Message]:
        sent: list[Message] = []

        async def receive() -> dict[str, Any]:
            await asyncio.Event().wait()
            return {}

        async def send(message: Message) -> None:
            sent.append(message)

        await cls(path, media_type="video/mp4", filename="out.mp4")(scope, receive, send)
        return sent

    ours, theirs = asyncio.run(play(LocalFileResponse)), asyncio.run(play(FileResponse))
    assert ours == theirs and ours[0]["status"] in (200, 206, 400)


def test_a_disconnect_stops_a_file_transfer(tmp_path: Path) -> None:
    path = tmp_path / "big.bin"
    path.write_bytes(b"x" * (10 * 64 * 1024))

    async def main() -> list[Message]:
        sent: list[Message] = []
        gone = asyncio.Event()

        async def receive() -> dict[str, Any]:
            await gone.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:  # a slow client: gone after 2 chunks
            sent.append(message)
            if len(sent) == 3:
                gone.set()
            await asyncio.sleep(0)

        await LocalFileResponse(path)(SCOPE | {"method": "GET", "headers": []}, receive, send)
        assert len(asyncio.all_tasks()) == 1
        return sent

    sent = asyncio.run(main())
    assert 3 <= len(sent) < 11 and sent[-1].get("more_body", True)  # cut, not finished
