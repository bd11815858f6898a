"""Typed /run_sse events, from either dialect.

ADK dialect (camelCase Event JSON): each `content.parts[]` entry becomes one event —
`text` → TextEvent (`partial` chunks flagged), `functionCall` → ToolCallEvent,
`functionResponse` → ToolResultEvent; `errorCode`/`errorMessage` → ErrorEvent (non-fatal:
a model-level failure, the stream goes on). `{"error": ...}` (an exception in the run;
the stream ends) → fatal ErrorEvent.
Typed dialect: `{"type":"text","content"}`, `{"type":"tool_call","name","args"}`,
`{"type":"tool_result","name","result"}`, `{"type":"heartbeat"}` (and `{"type":"error"}`).
Empty `data:` lines and SSE comments are heartbeats. Every event keeps the raw dict.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from nemo_protocol.sse import SSEMessage

HeartbeatSource = Literal["empty", "comment", "json"]


@dataclass(frozen=True, kw_only=True)
class Event:
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True, kw_only=True)
class TextEvent(Event):
    text: str
    partial: bool = False
    thought: bool = False  # model "thinking": never shown, never part of the turn's text
    author: str | None = None


@dataclass(frozen=True, kw_only=True)
class ToolCallEvent(Event):
    name: str
    args: dict[str, Any] = field(default_factory=dict)
    call_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class ToolResultEvent(Event):
    name: str
    result: Any = None
    call_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class HeartbeatEvent(Event):
    source: HeartbeatSource = "json"


@dataclass(frozen=True, kw_only=True)
class ErrorEvent(Event):
    message: str
    code: int | str | None = None
    fatal: bool = True


@dataclass(frozen=True, kw_only=True)
class OtherEvent(Event):
    """Anything else (`turnComplete`-only events, unknown types): kept, not interpreted."""


@dataclass(frozen=True, kw_only=True)
class DisconnectEvent(Event):
    """Client-side: the stream dropped mid-turn; recovery (state polling) starts."""

    reason: str


def parse_message(message: SSEMessage) -> list[Event]:
    if message.comment is not None:
        return [HeartbeatEvent(source="comment", raw={"comment": message.comment})]
    if not message.data.strip():
        return [HeartbeatEvent(source="empty", raw={})]
    try:
        payload = json.loads(message.data)
    except ValueError:
        return [OtherEvent(raw={"data": message.data, "event": message.event})]
    if not isinstance(payload, dict):
        return [OtherEvent(raw={"data": payload, "event": message.event})]
    if message.event == "error" and "error" not in payload:
        payload = {"error": payload.get("message") or message.data, **payload}
    return parse_payload(payload)


def parse_payload(payload: dict[str, Any]) -> list[Event]:
    if "error" in payload and "content" not in payload:
        return [_error(payload, payload["error"], fatal=True)]
    kind = payload.get("type")
    if isinstance(kind, str):
        return [_typed(kind, payload)]
    events = _adk(payload)
    if payload.get("errorCode") or payload.get("errorMessage"):
        message = payload.get("errorMessage") or str(payload.get("errorCode"))
        events.append(
            ErrorEvent(
                message=str(message), code=payload.get("errorCode"), fatal=False, raw=payload
            )
        )
    if not events and isinstance(payload.get("text"), str):
        # Low-trust third-party reading (top-level `text`); harmless to accept.
        events.append(TextEvent(text=payload["text"], raw=payload))
    return events or [OtherEvent(raw=payload)]


def _typed(kind: str, payload: dict[str, Any]) -> Event:
    if kind == "text":
        text = payload.get("content", payload.get("text", ""))
        return TextEvent(text=str(text), partial=bool(payload.get("partial")), raw=payload)
    if kind == "tool_call":
        args = payload.get("args")
        return ToolCallEvent(
            name=str(payload.get("name", "")),
            args=args if isinstance(args, dict) else {},
            call_id=payload.get("id"),
            raw=payload,
        )
    if kind == "tool_result":
        return ToolResultEvent(
            name=str(payload.get("name", "")),
            result=payload.get("result"),
            call_id=payload.get("id"),
            raw=payload,
        )
    if kind == "heartbeat":
        return HeartbeatEvent(source="json", raw=payload)
    if kind == "error":
        return _error(payload, payload.get("message") or payload.get("error"), fatal=True)
    return OtherEvent(raw=payload)


def _adk(payload: dict[str, Any]) -> list[Event]:
    content = payload.get("content")
    parts = content.get("parts") if isinstance(content, dict) else None
    if not isinstance(parts, list):
        return []
    author = payload.get("author")
    partial = bool(payload.get("partial"))
    events: list[Event] = []
    for part in parts:
        if not isinstance(part, dict):
            continue
        if isinstance(part.get("text"), str):
            if author == "user":
                continue  # an echo of the user's own message is not the agent speaking
            events.append(
                TextEvent(
                    text=part["text"],
                    partial=partial,
                    thought=bool(part.get("thought")),
                    author=author,
                    raw=payload,
                )
            )
        elif isinstance(part.get("functionCall"), dict):
            call = part["functionCall"]
            args = call.get("args")
            events.append(
                ToolCallEvent(
                    name=str(call.get("name", "")),
                    args=args if isinstance(args, dict) else {},
                    call_id=call.get("id"),
                    raw=payload,
                )
            )
        elif isinstance(part.get("functionResponse"), dict):
            response = part["functionResponse"]
            events.append(
                ToolResultEvent(
                    name=str(response.get("name", "")),
                    result=response.get("response"),
                    call_id=response.get("id"),
                    raw=payload,
                )
            )
    return events


def _error(payload: dict[str, Any], error: Any, *, fatal: bool) -> ErrorEvent:
    code = payload.get("code")
    if isinstance(error, dict):
        code = error.get("code", code)
        error = error.get("message") or json.dumps(error)
    return ErrorEvent(message=str(error), code=code, fatal=fatal, raw=payload)
