"""Result types of the operations. Each keeps the raw payload it was read from."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nemo_protocol.secrets import mask

from .draft import Draft
from .errors import ProtocolError
from .events import ErrorEvent, Event


@dataclass(frozen=True)
class TokenInfo:
    token: str = field(repr=False)
    user_id: str | None = None
    expires_at: str | None = None
    credits: int | None = None

    def __repr__(self) -> str:
        return (
            f"TokenInfo(token={mask(self.token)!r}, user_id={self.user_id!r}, "
            f"expires_at={self.expires_at!r}, credits={self.credits!r})"
        )

    @classmethod
    def from_data(cls, data: Any) -> TokenInfo:
        token = _dict(data).get("token")
        if not isinstance(token, str) or not token:
            raise ProtocolError("anonymous-token answer has no data.token")
        return cls(token, data.get("user_id"), data.get("expires_at"), data.get("credits"))


@dataclass(frozen=True)
class SessionInfo:
    session_id: str
    task_id: str | None = None
    user_id: str | None = None

    @classmethod
    def from_data(cls, data: Any, body_fallback: Any = None) -> SessionInfo:
        source = _dict(data) or _dict(body_fallback)  # low-trust top-level reading as fallback
        session_id = source.get("session_id")
        if session_id in (None, ""):
            raise ProtocolError("create-session answer has no data.session_id")
        return cls(str(session_id), _str(source.get("task_id")), _str(source.get("user_id")))


@dataclass(frozen=True)
class Credits:
    available: int
    frozen: int = 0
    total: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_data(cls, data: Any) -> Credits:
        raw = _dict(data)
        available = int(raw.get("available", 0))
        frozen = int(raw.get("frozen", 0))
        total = raw.get("total")
        return cls(available, frozen, int(total) if total is not None else available + frozen, raw)


@dataclass(frozen=True)
class UploadedFile:
    filename: str
    file_type: str | None = None
    cdn_url: str | None = None
    duration: float | None = None
    width: int | None = None
    height: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class UploadResult:
    files: list[UploadedFile]
    session_state_applied: bool | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_data(cls, data: Any) -> UploadResult:
        raw = _dict(data)
        files = [
            UploadedFile(
                filename=str(item.get("filename", "")),
                file_type=item.get("file_type"),
                cdn_url=item.get("cdn_url") or item.get("url"),
                duration=item.get("duration"),
                width=item.get("width"),
                height=item.get("height"),
                raw=item,
            )
            for item in raw.get("files") or []
            if isinstance(item, dict)
        ]
        return cls(files, raw.get("session_state_applied"), raw)


@dataclass(frozen=True)
class SessionState:
    session_id: str | None
    task_id: str | None
    draft: Draft
    raw_draft: dict[str, Any] | None
    video_infos: list[Any]
    generated_media: Any
    canvas_config: dict[str, Any]
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_data(cls, data: Any) -> SessionState:
        raw = _dict(data)
        state = _dict(raw.get("state"))
        raw_draft = state.get("draft") if isinstance(state.get("draft"), dict) else None
        video_infos = state.get("video_infos")
        return cls(
            session_id=_str(raw.get("session_id")),
            task_id=_str(raw.get("task_id")),
            draft=Draft.parse(raw_draft),
            raw_draft=raw_draft,
            video_infos=video_infos if isinstance(video_infos, list) else [],
            generated_media=state.get("generated_media"),
            canvas_config=_dict(state.get("canvas_config")),
            raw=raw,
        )

    @property
    def has_assets(self) -> bool:
        """Documented progress signal: uploads/generations landed when video_infos is non-empty."""
        return bool(self.video_infos)

    def summary(self) -> str:
        assets = len(self.video_infos)
        return f"{self.draft.summary()}\nAssets: {assets}"


@dataclass(frozen=True)
class RenderStatus:
    """One poll, normalised from the data (v4.4), legacy (v1.9) or compat shape."""

    id: str
    status: str
    progress: float | None = None
    output_url: str | None = None
    error: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def done(self) -> bool:
        return self.status in ("completed", "failed", "cancelled")

    @classmethod
    def from_data(cls, data: Any, render_id: str) -> RenderStatus:
        raw = _dict(data)
        # `interpret` already unwrapped `data` for the data/compat shapes; the legacy
        # shape is the bare object. Either way the fields sit at the top of `raw`.
        status = raw.get("status")
        if not isinstance(status, str):
            raise ProtocolError(f"render poll answer has no status: {str(raw)[:200]}")
        output = _dict(raw.get("output"))
        url = raw.get("outputUrl") or output.get("url") or raw.get("output_url")
        error = raw.get("error")
        return cls(
            id=str(raw.get("id") or raw.get("taskId") or render_id),
            status=status.lower(),
            progress=raw.get("progress"),
            output_url=url if isinstance(url, str) and url else None,
            error=str(error) if error else None,
            raw=raw,
        )


@dataclass(frozen=True)
class ExportResult:
    render_id: str
    path: Path
    bytes: int
    output_url: str | None
    attempts: int
    via_proxy: bool


@dataclass
class TurnResult:
    """What one message produced.

    `text` is the aggregated non-partial agent text (the "temporary issue" tail the docs
    say to ignore is left out). `silent` means the turn ended without text; `changes`
    then lists what the state diff showed. `recovered` means the stream dropped and the
    outcome was read from the state instead.
    """

    session_id: str
    text: str = ""
    events: list[Event] = field(default_factory=list)
    silent: bool = False
    changes: list[str] = field(default_factory=list)
    recovered: bool = False
    errors: list[ErrorEvent] = field(default_factory=list)
    state: SessionState | None = None


@dataclass(frozen=True)
class GenerateResult:
    turn: TurnResult
    export: ExportResult


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    return None if value is None else str(value)
