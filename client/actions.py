"""The vocabulary between the sans-IO protocol core and its drivers.

An operation is a generator: it yields an action, the driver performs it and sends back
the result (or throws the transport exception into the generator). The core never
touches a socket, a clock it cannot be given, or `sleep`.

| action        | driver sends back                                             |
|---------------|---------------------------------------------------------------|
| Send          | Reply (whole body read)                                       |
| OpenStream    | StreamOpened when 2xx text/event-stream, else Reply           |
| ReadChunk     | the next bytes, or None at end of stream                      |
| CloseStream   | None                                                          |
| Download      | Downloaded when 2xx and not JSON (streamed to file), else Reply|
| Sleep         | None                                                          |
| Emit          | None (the driver hands the event to the caller)               |
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from .envelope import Reply
from .events import Event

T = TypeVar("T")
ProgressCallback = Callable[[int, int | None], None]


@dataclass(frozen=True)
class HttpRequest:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    json: Any = None
    # Multipart uploads: (field name, local path, MIME type); drivers open the files.
    files: list[tuple[str, Path, str]] | None = None
    timeout: float | None = None  # read timeout hint (seconds); None = driver default


# The action types below are alike in shape by design (one small frozen dataclass per
# action the drivers perform): declarations, not repeated logic.
@dataclass(frozen=True)
class Send:
    request: HttpRequest


@dataclass(frozen=True)
class OpenStream:
    request: HttpRequest


@dataclass(frozen=True)
class StreamOpened:
    stream_id: int
    status: int
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ReadChunk:
    stream_id: int


@dataclass(frozen=True)
class CloseStream:
    stream_id: int


@dataclass(frozen=True)
class Download:
    request: HttpRequest
    path: Path
    on_progress: ProgressCallback | None = None


@dataclass(frozen=True)
class Downloaded:
    path: Path
    bytes: int


@dataclass(frozen=True)
class Sleep:
    seconds: float


@dataclass(frozen=True)
class Emit:
    event: Event


Action = Send | OpenStream | ReadChunk | CloseStream | Download | Sleep | Emit
Result = Reply | StreamOpened | Downloaded | bytes | None
Op = Generator[Action, Any, T]

__all__ = [
    "Action",
    "CloseStream",
    "Download",
    "Downloaded",
    "Emit",
    "HttpRequest",
    "Op",
    "OpenStream",
    "ProgressCallback",
    "ReadChunk",
    "Reply",
    "Result",
    "Send",
    "Sleep",
    "StreamOpened",
]
