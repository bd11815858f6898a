"""Plays an agent turn as Server-Sent Events against the clock.

`play_turn` starts the turn synchronously (so a busy session is a 409 and missing
credits a 2001 in the REST envelope, before any byte of the stream), then returns the
stream: the plan's steps rendered as frames (`frames`), heartbeats interleaved every
`heartbeat_interval` API seconds of silence (`with_heartbeats`), each frame sent when
`clock.sleep_until(frame.at)` returns, so the manual clock drives everything.

Wire rules:
- `adk` dialect: Google ADK `Event` JSON as google-adk 2.13 dumps it
  (`model_dump_json(exclude_none=True, by_alias=True)`: camelCase, nulls omitted, key
  order as the model's fields, `actions` with its dict defaults, `nodeInfo`); a
  function-call event carries `longRunningToolIds` (the call's id for `ask_question`,
  which waits for the user, as ADK's long-running tools do), the function-response event
  has `content.role:"user"`. `streaming:true` adds ADK's SSE-mode partial text chunks
  (`"partial":true`, same event id as the aggregated event that follows).
- `typed` dialect: the v4.4 shapes `{"type":"text","content"}`, `{"type":"tool_call",
  "name","args"}`, `{"type":"tool_result","name","result"}` (no partial chunks: the
  shapes have no such flag).
- heartbeats (NemoVideo's wrapper, not ADK's): `empty` `data: `, `json`
  `data: {"type":"heartbeat"}`, `comment` `: heartbeat`.
- an exception while playing: `data: {"error": "..."}` (ADK's in-stream error), close.
Every frame is exactly one `...\\n\\n` block and one ASGI body message, so the fault
middleware's `cut_after_events` counts frames exactly.

The stream never changes state itself: the turn's effects land through
`Sessions.apply_due` (on every state read, and here before each tool-result frame so a
client that reads state right after the event sees it). A client that disconnects only
stops the frames; the turn runs on in API time.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from mock_server import compact_json
from mock_server.agent import AGENT_NAME, Step, TurnPlan, start_turn
from mock_server.clock import Clock
from mock_server.domain.model import Account, Session
from mock_server.domain.service import NemoService

log = logging.getLogger("nemo_fake.stream")

NODE_PATH = f"{AGENT_NAME}@1"  # what google-adk 2.13's Runner stamps on a root LlmAgent's events
PARTIAL_CHUNKS = 3
CHUNK_SPACING = 0.2  # API seconds between streamed text chunks
HEARTBEATS = {
    "empty": b"data: \n\n",
    "json": b'data: {"type":"heartbeat"}\n\n',
    "comment": b": heartbeat\n\n",
}


@dataclass(frozen=True)
class Frame:
    at: float  # API time to send it
    data: bytes  # one complete SSE block
    lands: bool = False  # a tool result: apply the turn's due effects first


def play_turn(
    service: NemoService,
    clock: Clock,
    account: Account,
    session: Session,
    text: str,
    *,
    streaming: bool,
    base_url: str,
) -> AsyncIterator[bytes]:
    """Start the turn on the user's `text` now (raises Busy / InsufficientCredits before
    the stream starts) and return its SSE byte stream in the configured dialect."""
    with service.lock:
        config = service.config
        _turn, plan = start_turn(service, account, session, text, base_url)
    script = frames(plan, dialect=config.events, streaming=streaming)
    timeline = with_heartbeats(
        script, plan.started_at, config.heartbeat_interval, HEARTBEATS[config.heartbeat]
    )
    return _play(clock, service, session, timeline)


async def _play(
    clock: Clock, service: NemoService, session: Session, timeline: Iterable[Frame]
) -> AsyncIterator[bytes]:
    try:
        for frame in timeline:
            await clock.sleep_until(frame.at)
            if frame.lands:
                with service.lock:
                    service.sessions.apply_due(session)
            yield frame.data
        with service.lock:
            service.sessions.apply_due(session)
    except Exception as exc:  # a bug in the fake: ADK's in-stream error, then close
        log.exception("agent stream failed")
        yield error_frame(f"{type(exc).__name__}: {exc}")


def error_frame(message: str) -> bytes:
    # ADK builds it with json.dumps (default separators): `{"error": "..."}`.
    return f"data: {json.dumps({'error': message})}\n\n".encode()


# --- rendering ---------------------------------------------------------------------------


def dumps(payload: dict[str, Any]) -> str:
    """Compact JSON, UTF-8 as is: the bytes pydantic's model_dump_json writes."""
    return compact_json.dumps(payload).decode()


def sse(payload: dict[str, Any]) -> bytes:
    return b"data: " + compact_json.dumps(payload) + b"\n\n"


def frames(plan: TurnPlan, *, dialect: str = "adk", streaming: bool = False) -> list[Frame]:
    """The turn's events as SSE frames at their API times (no heartbeats)."""
    out: list[Frame] = []
    for step in plan.steps:
        if dialect == "typed":
            out.append(Frame(step.at, sse(typed_event(step)), lands=step.kind == "result"))
            continue
        if step.kind == "text" and streaming:
            previous = out[-1].at if out else plan.started_at
            chunks = split_text(step.text, PARTIAL_CHUNKS)
            for i, chunk in enumerate(chunks):
                at = max(previous, round(step.at - (len(chunks) - i) * CHUNK_SPACING, 6))
                out.append(Frame(at, sse(adk_event(plan, step, text=chunk, at=at, partial=True))))
        out.append(Frame(step.at, sse(adk_event(plan, step)), lands=step.kind == "result"))
    return out


def adk_event(
    plan: TurnPlan,
    step: Step,
    *,
    text: str | None = None,
    at: float | None = None,
    partial: bool = False,
) -> dict[str, Any]:
    """One ADK Event as a dict, keys in google-adk 2.13's field order."""
    if step.kind == "text":
        content = {"parts": [{"text": step.text if text is None else text}], "role": "model"}
    elif step.kind == "call":
        call = {"id": step.call_id, "args": step.payload, "name": step.tool}
        content = {"parts": [{"functionCall": call}], "role": "model"}
    else:
        response = {"id": step.call_id, "name": step.tool, "response": step.payload}
        content = {"parts": [{"functionResponse": response}], "role": "user"}
    event: dict[str, Any] = {"content": content}
    if partial:
        event["partial"] = True
    event["invocationId"] = plan.invocation_id
    event["author"] = AGENT_NAME
    event["actions"] = {
        "stateDelta": {},
        "artifactDelta": {},
        "requestedAuthConfigs": {},
        "requestedToolConfirmations": {},
    }
    event["nodeInfo"] = {"path": NODE_PATH}
    if step.kind == "call":
        event["longRunningToolIds"] = [step.call_id] if step.long_running else []
    event["id"] = step.event_id
    event["timestamp"] = float(step.at if at is None else at)
    return event


def typed_event(step: Step) -> dict[str, Any]:
    if step.kind == "text":
        return {"type": "text", "content": step.text}
    if step.kind == "call":
        return {"type": "tool_call", "name": step.tool, "args": step.payload}
    return {"type": "tool_result", "name": step.tool, "result": step.payload}


_SPACE = re.compile(r"(?<=\s)")


def split_text(text: str, parts: int) -> list[str]:
    """`text` in at most `parts` chunks that join back to it exactly: at whitespace when
    it has any, else (e.g. Chinese) by characters."""
    if parts <= 1 or len(text) < 2:
        return [text]
    pieces = [p for p in _SPACE.split(text) if p] if re.search(r"\s", text) else list(text)
    if len(pieces) <= parts:
        return pieces
    size = len(pieces) / parts
    return ["".join(pieces[round(i * size) : round((i + 1) * size)]) for i in range(parts)]


def with_heartbeats(
    script: Iterable[Frame], start: float, interval: float, beat: bytes
) -> Iterator[Frame]:
    """Interleave a heartbeat after every `interval` API seconds without a frame
    (from the turn's start). Lazy: a tiny interval costs no memory."""
    last = start
    for frame in script:
        next_beat = last + interval
        while next_beat < frame.at:
            yield Frame(next_beat, beat)
            next_beat += interval
        yield frame
        last = max(last, frame.at)
