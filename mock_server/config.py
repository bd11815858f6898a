"""The fake's configuration: seed, clock, limits, rates and dialects.

Flat on purpose: every field is also a `NEMO_FAKE_<FIELD>` environment variable (read by
pydantic-settings, `FakeSettings`), a `nemo-fake serve --<field>` option (generated from
the fields, mock_server/cli.py) and a key of `PATCH /_fake/config`: one validation for all.
Where the public API notes conflict, each variant is a *dialect* (see README table).

Text values (environment, command line, `--nemo-dialect KEY=VALUE`) are read the same
way everywhere: `1,2` or `[1, 2]` for ranges and lists, `none` for an unset optional.
"""

from __future__ import annotations

import json
import os
import typing
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from mock_server.clock import LATEST

DAY = 86_400.0

ErrorStatusDialect = Literal["ok200", "mapped"]
RenderPollDialect = Literal["data", "legacy", "compat"]
TokenExpiryDialect = Literal["7d", "never"]
EventDialect = Literal["adk", "typed"]
HeartbeatDialect = Literal["empty", "json", "comment"]
AttributionRule = Literal["always", "anon_exhausted", "off"]
ClockModeName = Literal["real", "scaled", "manual"]


class FakeConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    # --- determinism
    seed: int = Field(0, description="global seed; every id and chance derives from it")
    clock: ClockModeName = Field("real", description="real | scaled | manual")
    time_scale: float = Field(
        1.0, gt=0, description="real seconds per API second (0.001: a 300 s job takes 0.3 s)"
    )
    start_time: float | None = Field(
        None, ge=0, le=LATEST, description="API epoch at start (manual: 2026-01-01)"
    )

    # --- where things live
    data_dir: str | None = Field(None, description="uploads and renders (default: a temp dir)")
    store: str = Field(
        "memory://",
        description="where state lives: memory:// (one process), sqlite:///fake.db "
        "(survives restarts), redis://host:port/db (several workers and hosts)",
        pattern=r"^(memory://|sqlite:///.+|rediss?://.+)$",
        examples=["sqlite:///fake.db", "redis://127.0.0.1:6379/0"],
    )
    worker_stale_seconds: float = Field(
        10.0,
        gt=0,
        description="shared stores: wall seconds after which a silent worker counts as dead "
        "(its renders are encoded by another, its running turns' credits released)",
    )
    public_url: str | None = Field(
        None, description="base URL put in cdn_url/outputUrl (default: the request's own)"
    )

    # --- dialects (CONFLICTs in the API notes)
    error_status: ErrorStatusDialect = Field(
        "ok200", description="business errors as HTTP 200 + code, or mapped to 4xx"
    )
    render_poll: RenderPollDialect = Field(
        "compat",
        description="render poll shape: compat (every documented client), data (v4.4), "
        "legacy (v1.9)",
    )
    token_expiry: TokenExpiryDialect = Field("7d", description="anonymous token lifetime")
    events: EventDialect = Field("adk", description="/run_sse event format")
    heartbeat: HeartbeatDialect = Field("empty", description="heartbeat line format")
    attribution_402: AttributionRule = Field(
        "always",
        description="402 on export without X-Skill-* headers: always | anon_exhausted | off",
    )
    anonymous_scopes: list[str] = Field(default_factory=lambda: ["read", "write", "upload"])

    # --- limits
    starting_credits: int = Field(100, ge=0)
    upload_max_bytes: int = Field(500 * 1024 * 1024, gt=0)
    client_id_max_len: int = Field(64, gt=0)
    media_max_side: int | None = Field(
        None,
        ge=16,
        le=1920,
        description="cap on the long side of generated clips and renders (fast CI)",
    )
    tokens_per_client: int = Field(1, ge=1, description="tokens per client id per window")
    client_window_seconds: float = Field(7 * DAY, gt=0)
    tokens_per_ip: int = Field(10, ge=1, description="tokens per IP per window")
    ip_window_seconds: float = Field(7 * DAY, gt=0)
    token_ttl_seconds: float = Field(7 * DAY, gt=0)
    claim_ttl_seconds: int = Field(604_800, gt=0)

    # --- abuse limits (every route; see README "Security")
    max_body_bytes: int = Field(
        8 * 1024 * 1024, gt=0, description="largest JSON body (every JSON route, /run_sse too)"
    )
    max_json_depth: int = Field(64, ge=1, le=256, description="deepest JSON nesting accepted")
    max_header_bytes: int = Field(
        64 * 1024, ge=1024, description="largest request head (request line + headers)"
    )
    max_header_count: int = Field(100, ge=1, description="most headers in one request")
    head_timeout_seconds: float = Field(
        10.0, gt=0, description="real seconds a connection may take to send a request head"
    )
    keep_alive_seconds: int = Field(
        5, ge=1, description="real seconds an idle keep-alive connection stays open"
    )
    max_connections: int = Field(
        10_000, ge=1, description="open connections; past it the longest-idle ones are closed"
    )

    # --- who may do what (see README "Security")
    admin_token: str | None = Field(
        None,
        min_length=16,
        description="required on /_fake/* when set (and to bind a non-loopback address)",
    )
    deterministic_tokens: bool | None = Field(
        None,
        description="draw tokens and public ids from the seed (default: on unless admin_token)",
    )
    file_url_root: str | None = Field(
        None, description="directory file:// upload URLs may name (default: none, refused)"
    )

    # --- durations (API seconds, drawn uniformly from [min, max])
    render_seconds: tuple[float, float] = (25.0, 35.0)
    text_seconds: tuple[float, float] = (5.0, 15.0)
    generation_seconds: tuple[float, float] = (100.0, 300.0)
    edit_seconds: tuple[float, float] = (10.0, 30.0)
    heartbeat_interval: float = Field(15.0, gt=0)

    # --- rates and costs
    silent_close_rate: float = Field(0.3, ge=0, le=1)
    temporary_issue_rate: float = Field(0.0, ge=0, le=1)
    render_failure_rate: float = Field(0.0, ge=0, le=1)
    generation_cost: int = Field(100, ge=0)
    edit_cost: int = Field(50, ge=0)

    @field_validator("*", mode="before")
    @classmethod
    def _from_text(cls, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, str) or info.field_name is None:
            return value
        return parse_text(value, cls.model_fields[info.field_name].annotation)

    @model_validator(mode="after")
    def _ranges_ordered(self) -> FakeConfig:
        for name in ("render_seconds", "text_seconds", "generation_seconds", "edit_seconds"):
            lo, hi = getattr(self, name)
            if lo < 0 or hi < lo:
                raise ValueError(f"{name} must be [min, max] with 0 <= min <= max")
        return self

    @property
    def seeded_secrets(self) -> bool:
        """Tokens and unguessable public ids drawn from the seed (reproducible tests), or
        from the OS's randomness (a shared host)."""
        if self.deterministic_tokens is None:
            return self.admin_token is None
        return self.deterministic_tokens

    @property
    def clock_mode(self) -> ClockModeName:
        if self.clock == "real" and self.time_scale != 1.0:
            return "scaled"
        return self.clock

    def patched(self, changes: dict[str, Any]) -> FakeConfig:
        """A validated copy with `changes` applied (raises ValidationError on bad input)."""
        return FakeConfig.model_validate({**self.model_dump(), **changes})

    @classmethod
    def from_env(cls, **overrides: Any) -> FakeConfig:
        """NEMO_FAKE_<FIELD> variables (pydantic-settings); overrides that are not None win."""
        given = {k: v for k, v in overrides.items() if v is not None}
        settings = FakeSettings(**given)
        return cls.model_validate({name: getattr(settings, name) for name in cls.model_fields})


class FakeSettings(FakeConfig, BaseSettings):
    """FakeConfig read from the environment: `NEMO_FAKE_SEED=7`, `NEMO_FAKE_RENDER_SECONDS=1,2`.
    Values arrive as text and go through the same `parse_text` as every other source."""

    model_config = SettingsConfigDict(
        env_prefix="NEMO_FAKE_", enable_decoding=False, extra="forbid", validate_assignment=True
    )


NONE_WORDS = ("", "none", "null")


def allows_none(annotation: Any) -> bool:
    return type(None) in typing.get_args(annotation)


def sequence_kind(annotation: Any) -> type | None:
    """`tuple` or `list` when the field holds one (possibly optional), else None."""
    for candidate in (annotation, *typing.get_args(annotation)):
        origin = typing.get_origin(candidate)
        if origin in (tuple, list):
            return typing.cast(type, origin)
    return None


def parse_text(raw: str, annotation: Any) -> Any:
    """A setting given as text: `none` -> None where allowed, `1,2` / `[1,2]` -> a list
    for ranges and lists; anything else is left to the field's own validation."""
    text = raw.strip()
    if allows_none(annotation) and text.lower() in NONE_WORDS:
        return None
    if sequence_kind(annotation) is not None:
        if text.startswith("["):
            try:
                return json.loads(text)
            except ValueError:
                return raw  # the field's validation says what is wrong
        return [part.strip() for part in text.split(",") if part.strip()]
    return raw


def explain(exc: ValidationError) -> str:
    """`field: message; ...`: how PATCH /_fake/config and the command line word a refusal."""
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
    )


def parse_assignment(item: str, option: str = "--set") -> tuple[str, str]:
    """`KEY=VALUE` -> (key, value); a ValueError names the option when `=` is missing."""
    key, sep, value = item.partition("=")
    if not sep or not key.strip():
        raise ValueError(f"{option} takes KEY=VALUE, got {item!r}")
    return key.strip(), value.strip()


__all__ = [
    "FakeConfig",
    "FakeSettings",
    "ValidationError",
    "explain",
    "parse_assignment",
    "parse_text",
]


# `serve --workers N`: the supervisor puts its resolved configuration here, and each
# spawned worker (its app and its HTTP protocol) builds from it: uvicorn's factories and
# protocol classes take no arguments.
WORKER_CONFIG_ENV = "NEMO_FAKE_WORKER_CONFIG"


def worker_config() -> FakeConfig:
    """The configuration the supervisor resolved, as this worker finds it."""
    return FakeConfig.model_validate_json(os.environ[WORKER_CONFIG_ENV])
