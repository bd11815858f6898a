"""Shared test tools: a fake clock, SSE bodies, streaming responses, a sync/async harness."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx

from client import AsyncNemoClient, ClientConfig, NemoClient, Policy, TurnGuard
from client.events import Event

API = "https://api.test"
WEB = "https://web.test"
TOKEN = "nmv_usr_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAtok1"
TOKEN2 = "nmv_usr_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBtok2"
SID = "5529798706024415232"
STATE = f"/api/state/nemo_agent/me/{SID}/latest"  # the session's state URL
SID2 = "5529798706024415999"


class FakeClock:
    """`sleep` records and advances time instantly; `monotonic` reads it."""

    def __init__(self, tick: float = 0.0) -> None:
        self.now = 0.0
        self.tick = tick  # added on every monotonic() read, to simulate time passing
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        self.now += self.tick
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


def envelope(data: Any = None, code: int = 0, message: str = "success") -> dict[str, Any]:
    return {"code": code, "message": message, "data": data}


def ok(data: Any = None) -> httpx.Response:
    return httpx.Response(200, json=envelope(data))


def fail(code: int, status: int = 200, message: str = "nope", data: Any = None) -> httpx.Response:
    return httpx.Response(status, json=envelope(data, code, message))


def sse(*items: Any) -> bytes:
    """Each item: a dict (→ `data: <json>`), a str (raw lines, used as is), or None (empty data)."""
    out = []
    for item in items:
        if item is None:
            out.append("data:\n\n")
        elif isinstance(item, str):
            out.append(item)
        else:
            out.append(f"data: {json.dumps(item)}\n\n")
    return "".join(out).encode()


def adk_text(text: str, partial: bool = False) -> dict[str, Any]:
    event: dict[str, Any] = {
        "content": {"parts": [{"text": text}], "role": "model"},
        "author": "nemo_agent",
        "invocationId": "e-1",
        "actions": {"stateDelta": {}, "artifactDelta": {}, "requestedAuthConfigs": {}},
        "id": "abcdefgh",
        "timestamp": 1.0,
    }
    if partial:
        event["partial"] = True
    return event


def adk_call(name: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "content": {"parts": [{"functionCall": {"id": "af-1", "name": name, "args": args or {}}}]},
        "author": "nemo_agent",
        "longRunningToolIds": [],
    }


def adk_result(name: str, response: Any = None) -> dict[str, Any]:
    return {
        "content": {
            "parts": [{"functionResponse": {"id": "af-1", "name": name, "response": response}}],
            "role": "user",
        },
        "author": "nemo_agent",
    }


class ChunkStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body in chunks, optionally ending with a transport error (a drop)."""

    def __init__(self, chunks: list[bytes], error: Exception | None = None) -> None:
        self.chunks = chunks
        self.error = error

    def __iter__(self) -> Iterator[bytes]:
        yield from self.chunks
        if self.error:
            raise self.error

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk
        if self.error:
            raise self.error


def stream_response(
    body: bytes | list[bytes], error: Exception | None = None, status: int = 200
) -> httpx.Response:
    chunks = body if isinstance(body, list) else [body]
    return httpx.Response(
        status,
        headers={"content-type": "text/event-stream; charset=utf-8"},
        stream=ChunkStream(chunks, error),
    )


def state_body(tracks: list[dict[str, Any]] | None = None, **state: Any) -> dict[str, Any]:
    draft = {"t": tracks or []}
    return {
        "session_id": SID,
        "task_id": "task_1",
        "task_name": "project",
        "state": {"draft": draft, "video_infos": [], **state},
    }


TITLE_TRACK: dict[str, Any] = {
    "id": "t3",
    "tt": 7,
    "sg": [{"s": 0, "d": 3000, "tx": "Urban Dreams"}],
}
VIDEO_TRACK: dict[str, Any] = {
    "id": "t1",
    "tt": 0,
    "sg": [{"s": 0, "d": 10000, "n": "city timelapse"}],
}


class Harness:
    """Runs the same test against NemoClient or AsyncNemoClient."""

    def __init__(
        self, mode: str, config: ClientConfig, clock: FakeClock, policy: Policy | None = None
    ) -> None:
        self.mode = mode
        self.config = config
        self.clock = clock
        self.policy = policy or Policy()
        self.guard = TurnGuard()
        self.loop = asyncio.new_event_loop()
        self._clients: list[Any] = []

    def client(self, **kwargs: Any) -> Any:
        kwargs.setdefault("guard", self.guard)
        kwargs.setdefault("monotonic", self.clock.monotonic)
        kwargs.setdefault("wall_clock", lambda: 1_767_225_600.123)
        kwargs.setdefault("policy", self.policy)
        config = kwargs.pop("config", self.config)
        if self.mode == "sync":
            made: Any = NemoClient(config, sleep=self.clock.sleep, **kwargs)
        else:
            made = AsyncNemoClient(config, sleep=self.clock.asleep, **kwargs)
        self._clients.append(made)
        return made

    def run(self, client: Any, method: str, *args: Any, **kwargs: Any) -> Any:
        outcome = getattr(client, method)(*args, **kwargs)
        if self.mode == "sync":
            return outcome
        return self.loop.run_until_complete(outcome)

    def chat(
        self, client: Any, text: str, stop_after: int | None = None
    ) -> tuple[list[Event], Any]:
        """Iterate a turn's events (optionally stopping early); returns (events, turn)."""
        turn = client.chat(text)
        events: list[Event] = []
        if self.mode == "sync":
            for event in turn:
                events.append(event)
                if stop_after is not None and len(events) >= stop_after:
                    turn.close()
                    break
            return events, turn

        async def consume() -> None:
            async for event in turn:
                events.append(event)
                if stop_after is not None and len(events) >= stop_after:
                    await turn.aclose()
                    break

        self.loop.run_until_complete(consume())
        return events, turn

    def collect(self, turn: Any) -> Any:
        if self.mode == "sync":
            return turn.collect()
        return self.loop.run_until_complete(turn.collect())

    def close(self) -> None:
        for made in self._clients:
            if self.mode == "sync":
                made.close()
            else:
                self.loop.run_until_complete(made.aclose())
        self.loop.close()


def json_of(request: httpx.Request) -> Any:
    return json.loads(request.content)


Handler = Callable[[httpx.Request], httpx.Response]
