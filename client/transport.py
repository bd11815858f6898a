"""What both drivers do the same way with httpx: request kwargs, error mapping, replies."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx

from .actions import HttpRequest
from .config import Policy
from .envelope import Reply
from .errors import NetworkError

# Raised before a byte of the request could reach the server: safe to call "not sent".
_NOT_DELIVERED = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
)


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


def content_length(response: httpx.Response) -> int | None:
    value = response.headers.get("content-length", "")
    return int(value) if value.isdigit() else None


def part_path(path: Path) -> Path:
    """Downloads land in `<name>.part` and are renamed when complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.with_name(path.name + ".part")
