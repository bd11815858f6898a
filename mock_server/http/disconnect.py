"""Sending a response until the client disconnects, the way Starlette's StreamingResponse
and FileResponse do for ASGI < 2.4 servers (uvicorn says 2.3), without their anyio task
group per response: the response is sent from the request's own task while one plain
asyncio task waits for `http.disconnect` and cancels it. In process that task group was
a tenth of a `/run_sse` and most of a download's time in the app."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from starlette.types import Receive, Scope

ASGI_2_4 = (2, 4)


def listens_for_disconnect(scope: Scope) -> bool:
    """Whether Starlette would listen for the disconnect (an HTTP scope below ASGI 2.4)."""
    spec = scope.get("asgi", {}).get("spec_version", "2.0")
    return bool(scope["type"] == "http" and tuple(map(int, spec.split("."))) < ASGI_2_4)


def as_asgi_2_4(scope: Scope) -> Scope:
    """The scope as an ASGI 2.4 server gives it: Starlette then sends without listening."""
    return {**scope, "asgi": {**scope.get("asgi", {}), "spec_version": "2.4"}}


async def until_disconnect(send_response: Callable[[], Awaitable[None]], receive: Receive) -> None:
    """Await `send_response()` in this task; a client's disconnect cancels it (and ends
    the call quietly), an exception from `receive` is raised here, as the task group
    would; the listener never outlives the call."""
    sending = asyncio.current_task()
    assert sending is not None
    stopped: list[Exception | None] = []  # set once the listener has cancelled `sending`

    async def listen() -> None:
        try:
            while (await receive())["type"] != "http.disconnect":
                pass
            stopped.append(None)
        except Exception as exc:
            stopped.append(exc)
        sending.cancel()

    listener = asyncio.ensure_future(listen())
    try:
        await send_response()
    except asyncio.CancelledError:
        if not stopped:
            raise  # cancelled from outside, not by the disconnect
        sending.uncancel()
        if stopped[0] is not None:
            raise stopped[0] from None
    finally:
        listener.cancel()
        await asyncio.gather(listener, return_exceptions=True)
