"""Plain records of the fake's state. Mutated only by the domain services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

AccountKind = Literal["anonymous", "registered"]
# "free" is the registered free plan whose exports are blocked (402); anonymous accounts
# have their own plan and can export, as the documented flows do.
Plan = Literal["anonymous", "free", "pro"]


@dataclass
class Account:
    user_id: str
    kind: AccountKind
    plan: Plan
    scopes: list[str]
    available: int
    frozen: int = 0
    client_id: str | None = None
    created_at: float = 0.0

    @property
    def total(self) -> int:
        return self.available + self.frozen


@dataclass
class Token:
    value: str
    user_id: str
    issued_at: float
    expires_at: float | None  # None: never expires (dialect token_expiry=never)


@dataclass
class Hold:
    """Credits frozen for one operation; settled (charged) or released exactly once."""

    ref: str
    user_id: str
    amount: int
    state: Literal["frozen", "charged", "released"] = "frozen"


@dataclass
class MediaFile:
    media_id: str
    user_id: str
    session_id: str | None
    filename: str
    path: Path | None  # None: a URL upload we could not fetch (no network from the fake)
    file_type: str
    duration: float | None  # None: unknown (a URL upload the fake could not fetch)
    width: int | None
    height: int | None
    fps: float | None
    hash: str
    size: int | None
    source: Literal["upload", "url", "generated"]
    created_at: float
    url: str | None = None  # declared URL for URL uploads
    # Generated media: what synthesizes the file on first use (the agent never encodes):
    # {"kind":"clip","prompt","seed","width","height","seconds","fps"} or
    # {"kind":"bgm","seed","seconds","style"}.
    recipe: dict[str, Any] | None = None

    def info(self, cdn_url: str) -> dict[str, Any]:
        # Fields that do not apply to a kind are null (an image has no duration or fps,
        # audio no frame size), rather than a misleading 0.
        moving, visual = self.file_type != "image", self.file_type != "audio"
        return {
            "filename": self.filename,
            "file_type": self.file_type,
            "cdn_url": cdn_url,
            "duration": self.duration if moving else None,
            "width": self.width if visual else None,
            "height": self.height if visual else None,
            "fps": self.fps if moving and visual else None,
            "hash": self.hash,
            "size": self.size,
        }


@dataclass
class Effect:
    """A state change scheduled at an API time (the agent's tool results land this way,
    so a turn's effects happen whether or not anyone still reads its stream)."""

    at: float
    apply: Callable[[], None]
    done: bool = False


@dataclass
class Turn:
    invocation_id: str
    message: str
    started_at: float
    ends_at: float
    effects: list[Effect] = field(default_factory=list)
    events: list[Any] = field(default_factory=list)  # the stream's script, owned by the agent
    number: int = 0  # 1-based turn number in the session (seeds the turn's chance)
    kind: str = "chat"  # generation | edit | canvas | ask | chat (mock_server.agent)
    holds: list[str] = field(default_factory=list)  # credit hold refs this turn froze/uses


@dataclass
class Session:
    session_id: str
    task_id: str
    task_name: str
    language: str | None
    user_id: str
    created_at: float
    video_infos: list[dict[str, Any]] = field(default_factory=list)
    draft: dict[str, Any] = field(default_factory=dict)
    canvas_config: dict[str, Any] = field(
        default_factory=lambda: {"width": 1920, "height": 1080, "aspect_ratio": "16:9"}
    )
    video_analyses: dict[str, Any] = field(default_factory=dict)
    generated_media: list[dict[str, Any]] = field(default_factory=list)
    turns: list[Turn] = field(default_factory=list)
    message_count: int = 0
    extra: dict[str, Any] = field(default_factory=dict)  # agent memory (last prompt, style…)
    render_ids: list[str] = field(default_factory=list)  # exports of this session, oldest first

    def running_turn(self, now: float) -> Turn | None:
        return next((t for t in reversed(self.turns) if t.ends_at > now), None)

    def state(self) -> dict[str, Any]:
        return {
            "video_infos": self.video_infos,
            "draft": self.draft,
            "canvas_config": self.canvas_config,
            "video_analyses": self.video_analyses,
            "generated_media": self.generated_media,
        }


RenderStatus = Literal["pending", "processing", "completed", "failed", "cancelled"]


@dataclass
class Render:
    render_id: str
    user_id: str
    session_id: str
    draft: dict[str, Any]
    output: dict[str, Any]
    submitted_at: float
    duration: float
    will_fail: bool
    cancelled_at: float | None = None
    ready_at: float | None = None  # API time the job was due (completedAt), once its file exists
    artifact: Path | None = None
    artifact_error: str | None = None
    media_duration: float = 0.0
    size: int = 0
    canvas: dict[str, Any] = field(default_factory=dict)
    # the unguessable part of the public output URL (/render-result/<id>-<key>.<format>)
    public_key: str = ""

    @property
    def public_name(self) -> str:
        return f"{self.render_id}-{self.public_key}.{self.output['format']}"
