"""The inspector's templates and static files (package data), shared by the live fake's
pages, the replay pages and the `verify --html` report."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, StreamingResponse
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from mock_server import __version__
from mock_server.clock import iso

PREFIX = "/_fake/ui"
LIVE_POLL = 0.5  # real seconds between looks at the fake's state (the page's refresh rate)
LIVE_PING = 15.0  # real seconds between keep-alive comments on an idle feed


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("mock_server.inspector", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(prefix=PREFIX, version=__version__)
    env.filters["seconds"] = lambda value: "" if value is None else f"{float(value):g}s"
    env.filters["iso"] = iso
    env.filters["kb"] = lambda size: "" if not size else f"{size / 1024:,.0f} KB"
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def page(template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(
        render(template, **context),
        status_code=status_code,
        headers={"cache-control": "no-store"},
    )


@cache
def stylesheet() -> str:
    """The CSS, for pages that stand alone (the drift report file)."""
    return resources.files("mock_server.inspector").joinpath("static/inspector.css").read_text()


def live_feed(request: Request, fingerprint: Callable[[], str]) -> StreamingResponse:
    """SSE: an event whenever `fingerprint()` changes; the page then refreshes its live
    parts. Polled, so nothing in the fake has to publish changes."""

    async def events() -> AsyncIterator[bytes]:
        last, idle, number = None, 0.0, 0
        while not await request.is_disconnected():
            current = fingerprint()
            if current != last:
                last, idle, number = current, 0.0, number + 1
                yield f"event: change\ndata: {number}\n\n".encode()
            elif idle >= LIVE_PING:
                idle = 0.0
                yield b": ping\n\n"
            await asyncio.sleep(LIVE_POLL)
            idle += LIVE_POLL

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"cache-control": "no-store", "x-accel-buffering": "no"},
    )


def static_mount() -> Mount:
    """The page's script and stylesheet (package data), for the live and the replay app."""
    return Mount(
        f"{PREFIX}/static",
        StaticFiles(packages=[("mock_server.inspector", "static")]),
        name="inspector-static",
    )
