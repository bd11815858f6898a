"""The thin reference client of the NemoVideo API.

`NemoClient` (blocking) and `AsyncNemoClient` (asyncio) drive one sans-IO `Operations`,
so every documented rule (re-auth on 1001, new session on 1002, 429 wait, idempotent
retries, silent-close diff, disconnect recovery, render retry) is written once.

    from client import NemoClient

    with NemoClient() as nemo:                      # NEMO_API_URL, NEMO_TOKEN, ... from env
        for event in nemo.chat("generate a 10-second sunset video"):
            ...                                     # TextEvent, ToolCallEvent, HeartbeatEvent…
        nemo.export("out.mp4", on_progress=lambda done, total: ...)

`AsyncNemoClient` has the same methods as coroutines (`async for event in nemo.chat(..)`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Lazy exports (PEP 562): `import client.draft` (the fake does) must not load httpx and
# the whole client; and coverage tools see this package imported only when used.
_EXPORTS: dict[str, str] = {
    "AgentError": ".errors",
    "ApiError": ".errors",
    "AsyncNemoClient": ".aio",
    "AsyncTurn": ".aio",
    "BadRequest": ".errors",
    "ClientConfig": ".config",
    "Conflict": ".errors",
    "Credits": ".models",
    "DisconnectEvent": ".events",
    "DownloadFailed": ".errors",
    "Draft": ".draft",
    "DuplicateRenderId": ".errors",
    "ErrorEvent": ".events",
    "Event": ".events",
    "ExportBlocked": ".errors",
    "ExportResult": ".models",
    "FileTooLarge": ".errors",
    "GenerateResult": ".models",
    "HeartbeatEvent": ".events",
    "HeartbeatTimeout": ".errors",
    "InsufficientCredits": ".errors",
    "NemoClient": ".sync",
    "NemoError": ".errors",
    "NetworkError": ".errors",
    "NotFound": ".errors",
    "NothingToExport": ".errors",
    "OtherEvent": ".events",
    "Policy": ".config",
    "Operations": ".operations",
    "ProtocolError": ".errors",
    "RateLimited": ".errors",
    "RenderError": ".errors",
    "RenderFailed": ".errors",
    "RenderNotFound": ".errors",
    "RenderStatus": ".models",
    "RenderTimeout": ".errors",
    "Segment": ".draft",
    "ServerError": ".errors",
    "SessionExpired": ".errors",
    "SessionInfo": ".models",
    "SessionNotFound": ".errors",
    "SessionState": ".models",
    "TextEvent": ".events",
    "TokenInfo": ".models",
    "TokenInvalid": ".errors",
    "ToolCallEvent": ".events",
    "ToolResultEvent": ".events",
    "Track": ".draft",
    "Turn": ".sync",
    "TurnError": ".errors",
    "TurnGuard": ".core",
    "TurnInProgress": ".errors",
    "TurnLost": ".errors",
    "TurnResult": ".models",
    "UnsupportedFileType": ".errors",
    "UploadedFile": ".models",
    "UploadResult": ".models",
}


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from .config import package_version

        value: Any = package_version()
    elif name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS, "__version__"})


if TYPE_CHECKING:
    from .aio import AsyncNemoClient, AsyncTurn
    from .config import ClientConfig, Policy
    from .core import TurnGuard
    from .draft import Draft, Segment, Track
    from .errors import (
        AgentError,
        ApiError,
        BadRequest,
        Conflict,
        DownloadFailed,
        DuplicateRenderId,
        ExportBlocked,
        FileTooLarge,
        HeartbeatTimeout,
        InsufficientCredits,
        NemoError,
        NetworkError,
        NotFound,
        NothingToExport,
        ProtocolError,
        RateLimited,
        RenderError,
        RenderFailed,
        RenderNotFound,
        RenderTimeout,
        ServerError,
        SessionExpired,
        SessionNotFound,
        TokenInvalid,
        TurnError,
        TurnInProgress,
        TurnLost,
        UnsupportedFileType,
    )
    from .events import (
        DisconnectEvent,
        ErrorEvent,
        Event,
        HeartbeatEvent,
        OtherEvent,
        TextEvent,
        ToolCallEvent,
        ToolResultEvent,
    )
    from .models import (
        Credits,
        ExportResult,
        GenerateResult,
        RenderStatus,
        SessionInfo,
        SessionState,
        TokenInfo,
        TurnResult,
        UploadedFile,
        UploadResult,
    )
    from .operations import Operations
    from .sync import NemoClient, Turn

    __version__: str

__all__ = [
    "AgentError",
    "ApiError",
    "AsyncNemoClient",
    "AsyncTurn",
    "BadRequest",
    "ClientConfig",
    "Conflict",
    "Credits",
    "DisconnectEvent",
    "DownloadFailed",
    "Draft",
    "DuplicateRenderId",
    "ErrorEvent",
    "Event",
    "ExportBlocked",
    "ExportResult",
    "FileTooLarge",
    "GenerateResult",
    "HeartbeatEvent",
    "HeartbeatTimeout",
    "InsufficientCredits",
    "NemoClient",
    "NemoError",
    "NetworkError",
    "NotFound",
    "NothingToExport",
    "Operations",
    "OtherEvent",
    "Policy",
    "ProtocolError",
    "RateLimited",
    "RenderError",
    "RenderFailed",
    "RenderNotFound",
    "RenderStatus",
    "RenderTimeout",
    "Segment",
    "ServerError",
    "SessionExpired",
    "SessionInfo",
    "SessionNotFound",
    "SessionState",
    "TextEvent",
    "TokenInfo",
    "TokenInvalid",
    "ToolCallEvent",
    "ToolResultEvent",
    "Track",
    "Turn",
    "TurnError",
    "TurnGuard",
    "TurnInProgress",
    "TurnLost",
    "TurnResult",
    "UnsupportedFileType",
    "UploadResult",
    "UploadedFile",
    "__version__",
]
