"""The fake's configuration: seed, clock, limits, rates and dialects.

Flat on purpose: every field is also a `NEMO_FAKE_<FIELD>` environment variable, a
`nemo-fake serve --<field>` option and a key of `PATCH /_fake/config`.
Where the public API notes conflict, each variant is a *dialect* (see README table).
"""

from __future__ import annotations

import os
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

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
    start_time: float | None = Field(None, description="API epoch at start (manual: 2026-01-01)")

    # --- where things live
    data_dir: str | None = Field(None, description="uploads and renders (default: a temp dir)")
    store: str = Field(
        "memory://",
        description="where state lives: memory:// (one process), sqlite:///fake.db "
        "(survives restarts), redis://host:port/db (several workers and hosts)",
        pattern=r"^(memory://|sqlite:///.+|rediss?://.+)$",
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

    @model_validator(mode="after")
    def _ranges_ordered(self) -> FakeConfig:
        for name in ("render_seconds", "text_seconds", "generation_seconds", "edit_seconds"):
            lo, hi = getattr(self, name)
            if lo < 0 or hi < lo:
                raise ValueError(f"{name} must be [min, max] with 0 <= min <= max")
        return self

    @property
    def clock_mode(self) -> ClockModeName:
        if self.clock == "real" and self.time_scale != 1.0:
            return "scaled"
        return self.clock

    def patched(self, changes: dict[str, Any]) -> FakeConfig:
        """A validated copy with `changes` applied (raises ValidationError on bad input)."""
        return FakeConfig.model_validate({**self.model_dump(), **changes})

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> FakeConfig:
        """Read NEMO_FAKE_<FIELD> variables; explicit overrides win."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name, field in cls.model_fields.items():
            raw = env.get(f"NEMO_FAKE_{name.upper()}")
            if raw is None:
                continue
            values[name] = _parse_env(raw, field.annotation)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls.model_validate(values)


def _parse_env(raw: str, annotation: Any) -> Any:
    text = str(annotation)
    if "tuple" in text or "list" in text:
        parts = [p.strip() for p in raw.split(",") if p.strip()]
        return parts if "list" in text else tuple(float(p) for p in parts)
    return raw


__all__ = ["FakeConfig", "ValidationError"]
