"""A journaled stream's writes as events the inspector can draw: text, tool calls,
tool results, heartbeats, errors, in either event dialect (ADK Event JSON or typed).

Only for display: the wire rules live in `mock_server.stream` and `contracts/`; this reads
what the journal kept (`JournalEntry.frames`, secrets already masked)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from nemo_protocol import sse

Kind = Literal["text", "call", "result", "heartbeat", "error", "other"]
# ADK parts naming a tool: (part key, event kind, the key holding its payload)
FUNCTION_PARTS: tuple[tuple[str, Kind, str], ...] = (
    ("functionCall", "call", "args"),
    ("functionResponse", "result", "response"),
)


@dataclass
class FrameEvent:
    at: float  # API time the frame was written
    kind: Kind
    raw: str  # the SSE block as sent
    text: str = ""
    tool: str = ""
    payload: Any = None  # call args | tool response | error | unknown JSON
    partial: bool = False  # an ADK streaming chunk (the aggregated event follows)
    invocation_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def stream_events(frames: list[tuple[float, str]] | None) -> list[FrameEvent]:
    """Every SSE block of a journaled stream, in order, as events."""
    out: list[FrameEvent] = []
    for at, chunk in frames or []:
        for block in sse.split_frames(chunk):
            out.extend(block_events(at, block))
    return out


def block_events(at: float, block: str) -> list[FrameEvent]:
    """One raw SSE frame (as sent) as events; a comment or an empty `data:` is a heartbeat."""
    payload_text = "\n".join(m.data for m in sse.messages(block) if m.comment is None).strip()
    if not payload_text:  # `data: `, `: heartbeat` (a comment), or an empty block
        return [FrameEvent(at, "heartbeat", block)]
    try:
        payload = json.loads(payload_text)
    except ValueError:
        return [FrameEvent(at, "other", block, text=payload_text)]
    if not isinstance(payload, dict):
        return [FrameEvent(at, "other", block, payload=payload)]
    if "type" in payload:
        return [_typed(at, block, payload)]
    if "error" in payload:
        return [FrameEvent(at, "error", block, text=str(payload["error"]), payload=payload)]
    return _adk(at, block, payload)


def _typed(at: float, block: str, payload: dict[str, Any]) -> FrameEvent:
    kind = payload.get("type")
    if kind == "heartbeat":
        return FrameEvent(at, "heartbeat", block)
    if kind == "text":
        return FrameEvent(at, "text", block, text=str(payload.get("content", "")))
    if kind == "tool_call":
        return FrameEvent(
            at, "call", block, tool=str(payload.get("name", "")), payload=payload.get("args")
        )
    if kind == "tool_result":
        return FrameEvent(
            at, "result", block, tool=str(payload.get("name", "")), payload=payload.get("result")
        )
    if kind == "error":
        return FrameEvent(at, "error", block, text=str(payload.get("message", "")), payload=payload)
    return FrameEvent(at, "other", block, payload=payload)


def _adk(at: float, block: str, payload: dict[str, Any]) -> list[FrameEvent]:
    content = payload.get("content") or {}
    parts = content.get("parts") if isinstance(content, dict) else None
    common: dict[str, Any] = {
        "partial": bool(payload.get("partial")),
        "invocation_id": payload.get("invocationId"),
    }
    events: list[FrameEvent] = []
    for part in parts if isinstance(parts, list) else []:
        if not isinstance(part, dict):
            continue
        if "text" in part:
            events.append(FrameEvent(at, "text", block, text=str(part["text"]), **common))
            continue
        for key, kind, field_name in FUNCTION_PARTS:
            if key in part:
                function = part[key] if isinstance(part[key], dict) else {}
                tool, value = str(function.get("name", "")), function.get(field_name)
                events.append(FrameEvent(at, kind, block, tool=tool, payload=value, **common))
    return events or [FrameEvent(at, "other", block, payload=payload, **common)]
