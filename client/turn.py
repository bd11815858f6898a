"""One /run_sse turn: stream events, then apply the end-of-turn rules.

- the message is sent once, never again (no retry of POST /run_sse on 5xx or drop);
  the only repeats are after a 1001 or 429 answer, which reject the request before the
  agent sees the message;
- one running turn per session in this process (TurnGuard);
- only heartbeats for `policy.heartbeat_timeout` (monotonic clock) → HeartbeatTimeout;
- a turn with no text ("silent close") → read the state and diff it with the state
  read before the turn;
- a drop mid-stream → wait 30 s, read state; changed → report, else every 60 s, and
  after 5 unchanged reads → TurnLost;
- an in-stream `{"error": ...}` → the typed error for its code, or AgentError.
"""

from __future__ import annotations

from typing import Any

from nemo_protocol.sse import SSEParser

from .actions import CloseStream, Emit, Op, ReadChunk, Sleep
from .core import Core
from .diff import describe_changes, state_changed
from .envelope import error_for
from .errors import (
    AgentError,
    ApiError,
    HeartbeatTimeout,
    InsufficientCredits,
    NemoError,
    NetworkError,
    ServerError,
    TurnLost,
)
from .events import DisconnectEvent, ErrorEvent, Event, HeartbeatEvent, TextEvent, parse_message
from .models import SessionState, TurnResult

# Documented: a stream may end with this text even after a normal turn; ignore it.
TEMPORARY_ISSUE = "i encountered a temporary issue"


class TurnLog:
    """Collects a turn's events and derives its text."""

    def __init__(self, session_id: str) -> None:
        self.session_id = session_id
        self.events: list[Event] = []

    def add(self, event: Event) -> None:
        self.events.append(event)

    @property
    def text(self) -> str:
        spoken = [
            e
            for e in self.events
            if isinstance(e, TextEvent) and not e.thought and TEMPORARY_ISSUE not in e.text.lower()
        ]
        whole = [e.text for e in spoken if not e.partial]
        if whole:
            return "\n".join(t.strip("\n") for t in whole if t.strip())
        # Only chunks (e.g. the stream dropped before the aggregated event): join them.
        return "".join(e.text for e in spoken).strip()

    @property
    def errors(self) -> list[ErrorEvent]:
        return [e for e in self.events if isinstance(e, ErrorEvent)]

    def result(self, **extra: Any) -> TurnResult:
        return TurnResult(
            session_id=self.session_id,
            text=self.text,
            events=list(self.events),
            errors=self.errors,
            **extra,
        )


def run_turn(core: Core, text: str) -> Op[TurnResult]:
    session_id = yield from core.ensure_session(text)
    api = core.config.api_url
    core.guard.acquire(api, session_id)
    try:
        return (yield from _turn(core, session_id, text))
    finally:
        core.guard.release(api, session_id)


def read_state(core: Core) -> Op[SessionState]:
    session_id = yield from core.ensure_session()
    request = core.request("GET", f"/api/state/nemo_agent/me/{session_id}/latest")
    data = yield from core.call(request, idempotent=True, session_scoped=True)
    return SessionState.from_data(data)


def _turn(core: Core, session_id: str, text: str) -> Op[TurnResult]:
    before = yield from _baseline(core)
    request = core.request(
        "POST",
        "/run_sse",
        json={
            "app_name": "nemo_agent",
            "user_id": "me",
            "session_id": session_id,
            "new_message": {"parts": [{"text": text}]},
        },
        headers={"Accept": "text/event-stream"},
        timeout=core.policy.heartbeat_timeout,
    )
    log = TurnLog(session_id)
    try:
        opened = yield from core.call(request, idempotent=False, session_scoped=True, stream=True)
    except NetworkError as exc:
        if not exc.delivered:
            raise  # never reached the server: nothing to recover, safe to report
        return (yield from _recover(core, log, before, exc))

    parser = SSEParser()
    last_progress = core.monotonic()
    while True:
        try:
            chunk = yield ReadChunk(opened.stream_id)
        except NetworkError as exc:
            if exc.timeout:  # no byte at all for the heartbeat timeout
                raise _with_turn(_heartbeat_timeout(core), log) from exc
            return (yield from _recover(core, log, before, exc))
        messages = parser.close() if chunk is None else parser.feed(chunk)
        for message in messages:
            for event in parse_message(message):
                log.add(event)
                yield Emit(event)
                now = core.monotonic()
                if not isinstance(event, HeartbeatEvent):
                    last_progress = now
                elif now - last_progress >= core.policy.heartbeat_timeout:
                    raise _with_turn(_heartbeat_timeout(core), log)
        if chunk is None:
            break
    yield CloseStream(opened.stream_id)

    fatal = next((e for e in log.errors if e.fatal), None)
    if fatal is not None:
        raise _with_turn(_stream_error(core, fatal), log)
    result = log.result()
    if not result.text:
        after = yield from read_state(core)
        result.silent, result.state = True, after
        result.changes = describe_changes(before, after)
    return result


def _baseline(core: Core) -> Op[SessionState | None]:
    """The state before the turn; None if it cannot be read (the turn still goes ahead)."""
    try:
        return (yield from read_state(core))
    except (NetworkError, ServerError):
        return None


def _recover(
    core: Core, log: TurnLog, before: SessionState | None, cause: NetworkError
) -> Op[TurnResult]:
    policy = core.policy
    notice = DisconnectEvent(reason=str(cause))
    log.add(notice)
    yield Emit(notice)
    waits = [policy.recovery_first_wait] + [policy.recovery_wait] * (policy.recovery_queries - 1)
    for wait in waits:
        yield Sleep(wait)
        try:
            after = yield from read_state(core)
        except (NetworkError, ServerError):
            continue  # an unreadable state counts as unchanged
        if state_changed(before, after):
            result = log.result(recovered=True, state=after)
            result.silent = not result.text
            result.changes = describe_changes(before, after)
            return result
    raise _with_turn(
        TurnLost(
            f"The stream dropped ({cause.message}) and the session state did not change in "
            f"{policy.recovery_queries} checks over {sum(waits):g}s. The message was NOT "
            "re-sent; check the session state later before trying again."
        ),
        log,
    )


def _heartbeat_timeout(core: Core) -> HeartbeatTimeout:
    return HeartbeatTimeout(
        f"Only heartbeats for {core.policy.heartbeat_timeout:g}s: treating the turn as timed out"
    )


def _stream_error(core: Core, event: ErrorEvent) -> NemoError:
    code = event.code if isinstance(event.code, int) else None
    if code is None:
        return AgentError(event.message)
    error = error_for(code, {"message": event.message, "data": event.raw.get("data")}, None)
    if type(error) is ApiError:  # a code with no rule of its own: keep the agent framing
        return AgentError(event.message, code=code)
    if isinstance(error, InsufficientCredits):
        error.registration_url = core.registration_url(error.registration_url)
    return error


def _with_turn(error: NemoError, log: TurnLog) -> NemoError:
    error.turn = log.result()
    return error
