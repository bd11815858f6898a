"""`/ws/chat?token=…&session_id=…`: the gateway's agent chat over a WebSocket.

One connection: authenticate from the query (close 4001), find the session (close 4002),
`warming_up` + `status{sandbox_startup}` for a cold session, `session_ready`; then each
client `message` starts a turn through the same `start_turn` as `/run_sse` (same plan,
draft changes, credits, clock and seeded chance) and its messages (`messages.py`) are
sent at their API times. `ping` gets `pong`; `abort` stops the turn's messages with a
`done`. A busy session or missing credits is an `error` message.

Delivery outlives the socket: what a turn has still to send is kept per session, so a
client that reconnects after a drop (the CLI does, once, without re-sending its prompt)
gets the rest of the same turn — never a second turn. Every message in and out goes to
the connection's journal entry (`extra["frames"]`), and every message out to the fake's
observers (the contract checker validates it against contracts/gateway-ws.schema.json).

Faults (`path="/ws/chat"`): `latency` delays the handshake, `error_code` refuses it (auth
codes close with 4001, 1002 with 4002, others deny the upgrade with that HTTP status),
`drop` closes the socket (code 1011) once the first turn message is out, and
`cut_after_events: N` after N messages.

| method | path | handler |
|---|---|---|
| WS | `/ws/chat` | `chat` |
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect

from mock_server import rng
from mock_server.agent import start_turn
from mock_server.domain.errors import FakeError, SessionNotFound, TokenInvalid, injected_error
from mock_server.domain.model import Account, Session, Turn
from mock_server.domain.service import NemoService
from mock_server.faults import Fault
from mock_server.gateway.messages import Outgoing, answer_text, turn_messages
from mock_server.gateway.wire import auth_code, error_parts
from mock_server.http.envelopes import JSONBytes, dumps
from mock_server.journal import Exchange, JournalEntry, json_of
from nemo_protocol.secrets import mask_headers, mask_query, mask_text

if TYPE_CHECKING:
    from mock_server.fake import Fake

router = APIRouter()

PATH = "/ws/chat"
CLOSE_AUTH = 4001
CLOSE_SESSION = 4002
CLOSE_DROPPED = 1011
WARM_UP = (1.0, 2.0)  # API seconds: agent start, then sandbox start (a cold session)
AUTH_FAULTS = {1001, 1010, 1011}
RESUME_WINDOW = 60.0  # real seconds a dropped turn waits for its client to reconnect


@dataclass
class Delivery:
    """What a session's current turn has still to send (survives reconnects)."""

    turn: Turn
    messages: list[Outgoing]
    sent: int = 0
    questions: list[dict[str, Any]] | None = None  # asked, awaiting the answer
    attached: bool = True  # a connection is sending it
    detached_at: float = 0.0  # real (monotonic) time its connection went away

    def resumable(self) -> bool:
        """A reconnect picks it up: the CLI comes back after 1 s (at most ~40 s with its
        handshake retries); a later connection is a new client, not this one back."""
        if self.attached:
            return False  # another connection is sending it
        return self.questions is not None or time.monotonic() - self.detached_at < RESUME_WINDOW

    @property
    def finished(self) -> bool:
        return self.sent >= len(self.messages)


_DELIVERIES: weakref.WeakKeyDictionary[NemoService, dict[str, Delivery]] = (
    weakref.WeakKeyDictionary()
)


def deliveries(service: NemoService) -> dict[str, Delivery]:
    """This service's deliveries (a reset makes a new service: they go with the old one)."""
    return _DELIVERIES.setdefault(service, {})


class Dropped(Exception):
    """The connection is being cut by a fault."""


class Channel:
    def __init__(self, websocket: WebSocket, fake: Fake, entry: JournalEntry) -> None:
        self.ws, self.fake, self.entry = websocket, fake, entry
        self.sent = 0
        self.cut_after: int | None = None
        self.drop_in_turn = False  # fault `drop`: cut once the first turn message is out
        self.turn_sent = 0
        self.lock = asyncio.Lock()
        self.base_url = _base_url(websocket, fake)
        entry.extra["frames"] = []
        entry.events = 0

    def _log(self, direction: str, text: str) -> None:
        frames: list[dict[str, Any]] = self.entry.extra["frames"]
        frames.append({"dir": direction, "at": self.fake.clock.now(), "data": _masked_json(text)})

    async def send(self, message: dict[str, Any], *, in_turn: bool = False) -> None:
        if self.cut_after is not None and self.sent >= self.cut_after:
            raise Dropped
        if in_turn and self.drop_in_turn and self.turn_sent:
            raise Dropped
        text = dumps(message).decode()
        async with self.lock:
            await self.ws.send_text(text)
        self.sent += 1
        self.turn_sent += in_turn
        self.entry.events = self.sent
        self._log("out", text)
        for observer in list(self.fake.observers):
            observer(
                Exchange(
                    method="GET",
                    path=PATH,
                    query="",
                    status=101,
                    headers={"content-type": "application/json"},
                    body=text.encode(),
                    websocket=True,
                )
            )

    def received(self, text: str) -> None:
        self._log("in", text)


def _masked_json(text: str) -> Any:
    parsed = json_of(text.encode())
    return {"raw": mask_text(text[:512])} if parsed is None and text.strip() != "null" else parsed


def _base_url(websocket: WebSocket, fake: Fake) -> str:
    if fake.config.public_url:
        return fake.config.public_url.rstrip("/")
    return (
        str(websocket.base_url)
        .replace("ws://", "http://", 1)
        .replace("wss://", "https://", 1)
        .rstrip("/")
    )


@router.websocket(PATH)
async def chat(websocket: WebSocket) -> None:
    fake: Fake = websocket.app.state.fake
    query = websocket.query_params
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in websocket.scope["headers"]}
    client = websocket.client
    entry = fake.journal.open(
        time=fake.clock.now(),
        method="GET",
        path=PATH,
        query=mask_query(websocket.scope.get("query_string", b"").decode("latin-1")),
        headers=mask_headers(headers),
        body=None,
        client=client.host if client else None,
    )
    started = time.perf_counter()
    channel = Channel(websocket, fake, entry)
    try:
        await _serve(
            channel, query.get("token"), query.get("session_id"), fake.faults.take("GET", PATH)
        )
    finally:
        entry.duration_ms = round((time.perf_counter() - started) * 1000, 3)


async def _serve(
    channel: Channel, token: str | None, session_id: str | None, fault: Fault | None
) -> None:
    fake, websocket, entry = channel.fake, channel.ws, channel.entry
    if fault is not None:
        entry.fault_id = fault.id
        if fault.spec.latency:
            await fake.clock.sleep(fault.spec.latency)
        code = fault.spec.error_code
        if code is not None and code not in AUTH_FAULTS and code != 1002:
            await _deny(channel, code)
            return
    await websocket.accept()
    entry.status = 101
    if fault is not None:
        if fault.spec.error_code in AUTH_FAULTS:
            await _close(channel, CLOSE_AUTH, "Invalid authentication token (injected fault)")
            return
        if fault.spec.error_code == 1002:
            await _close(channel, CLOSE_SESSION, "Session not found (injected fault)")
            return
        channel.cut_after = fault.spec.cut_after_events
    try:
        with fake.service.lock:
            account = fake.service.accounts.authenticate(f"Bearer {token}" if token else None)
    except TokenInvalid as error:
        await _close(channel, CLOSE_AUTH, auth_code(error)[1])
        return
    entry.user_id = account.user_id
    if not session_id:
        await _close(channel, CLOSE_SESSION, "Missing session_id")
        return
    try:
        with fake.service.lock:
            session = fake.service.sessions.get(account, session_id)
    except SessionNotFound:
        await _close(channel, CLOSE_SESSION, f"Session not found: {session_id}")
        return
    drop = fault is not None and fault.spec.drop
    try:
        await _converse(channel, account, session, drop)
    except Dropped:
        entry.extra["cut"] = True
        await _close(channel, CLOSE_DROPPED, "connection dropped (injected fault)")
        return
    except WebSocketDisconnect as gone:
        entry.extra["close_code"] = gone.code
    except (RuntimeError, OSError):  # sending on a socket the client already closed
        entry.extra["close_code"] = "gone"
    entry.completed = True


async def _deny(channel: Channel, code: int) -> None:
    """Refuse the upgrade with an HTTP status (the CLI retries 502-504 and a 403 whose
    reason is not about the token)."""
    error = injected_error(code, channel.fake.config.upload_max_bytes)
    status, code, message = error_parts(error)
    channel.entry.status, channel.entry.code = status, code
    channel.entry.completed = True
    await channel.ws.send_denial_response(
        JSONBytes({"code": code, "message": message, "detail": message}, status_code=status)
    )


async def _close(channel: Channel, code: int, reason: str) -> None:
    channel.entry.extra["close_code"] = code
    channel.entry.extra["close_reason"] = reason
    channel.entry.completed = True
    with contextlib.suppress(RuntimeError, WebSocketDisconnect):
        await channel.ws.close(code, reason)


async def _converse(channel: Channel, account: Account, session: Session, drop: bool) -> None:
    fake = channel.fake
    service = fake.service
    pending = deliveries(service)
    current = pending.get(session.session_id)
    known = {turn.invocation_id for turn in session.turns}  # a shared store reloads turns
    if current is not None and (current.turn.invocation_id not in known or not current.resumable()):
        current = None  # another connection's, stale, or of a session the service lost
    if current is not None:
        current.attached = True
    if current is None and not session.turns:
        sandbox = rng.derive(fake.config.seed, "sandbox", session.session_id)
        await channel.send({"type": "warming_up"})
        await fake.clock.sleep(WARM_UP[0])
        await channel.send(
            {
                "type": "status",
                "status": "sandbox_startup",
                "sandbox_id": f"sbx_{rng.hex_id(sandbox, 12)}",
            }
        )
        await fake.clock.sleep(WARM_UP[1])
    await channel.send({"type": "session_ready", "session_id": session.session_id})
    channel.drop_in_turn = drop
    inbox: asyncio.Queue[str] = asyncio.Queue()
    state = _State(current)

    async def receive() -> None:
        while True:
            text = await channel.ws.receive_text()
            channel.received(text)
            await _on_client_message(channel, state, inbox, text)

    async def play() -> None:
        if state.delivery is not None and state.delivery.questions is None:
            await _deliver(channel, service, session, state)
        while True:
            content = await inbox.get()
            await _start(channel, account, session, state, content)

    tasks = [asyncio.ensure_future(receive()), asyncio.ensure_future(play())]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            task.result()  # re-raise: disconnect, drop
    finally:
        for task in tasks:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.gather(*tasks, return_exceptions=True)
        if state.delivery is not None:
            state.delivery.attached = False
            state.delivery.detached_at = time.monotonic()


@dataclass
class _State:
    delivery: Delivery | None
    aborted: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def busy(self) -> bool:
        d = self.delivery
        return d is not None and not d.finished and d.questions is None


async def _on_client_message(
    channel: Channel, state: _State, inbox: asyncio.Queue[str], text: str
) -> None:
    try:
        message = json.loads(text)
    except ValueError:
        await channel.send({"type": "error", "error": "Messages must be JSON objects"})
        return
    kind = message.get("type") if isinstance(message, dict) else None
    if kind == "ping":
        await channel.send({"type": "pong"})
    elif kind == "abort":
        state.aborted.set()
    elif kind == "message":
        content = message.get("content")
        if not isinstance(content, str) or not content.strip():
            await channel.send(
                {"type": "error", "error": "message content must be a non-empty string"}
            )
        elif state.busy:
            await channel.send(
                {
                    "type": "error",
                    "error": "A turn is already running in this session; wait for done",
                }
            )
        else:
            inbox.put_nowait(content)
    else:
        await channel.send(
            {
                "type": "error",
                "error": f"Unknown message type {kind!r}; send message, ping or abort",
            }
        )


async def _start(
    channel: Channel, account: Account, session: Session, state: _State, content: str
) -> None:
    fake = channel.fake
    service = fake.service
    asked = state.delivery.questions if state.delivery is not None else None
    text = answer_text(content, asked) if asked else content
    try:
        with service.lock:
            turn, plan = start_turn(service, account, session, text, channel.base_url)
    except FakeError as error:
        _status, code, message = error_parts(error)
        await channel.send({"type": "error", "error": message, "code": code})
        return
    delivery = Delivery(turn, turn_messages(plan))
    deliveries(service)[session.session_id] = delivery
    state.delivery = delivery
    state.aborted.clear()
    await _deliver(channel, service, session, state)


async def _deliver(channel: Channel, service: NemoService, session: Session, state: _State) -> None:
    delivery = state.delivery
    assert delivery is not None
    clock = channel.fake.clock
    while not delivery.finished:
        item = delivery.messages[delivery.sent]
        await _sleep_or_abort(clock, item.at, state.aborted)
        if state.aborted.is_set():
            delivery.sent = len(delivery.messages)
            await channel.send({"type": "done"})
            break
        if item.lands:
            with service.lock:
                service.sessions.apply_due(session)
        await channel.send(item.message, in_turn=True)
        delivery.sent += 1
        if item.message["type"] == "ask_question":
            delivery.questions = item.message["questions"]
    with service.lock:
        service.sessions.apply_due(session)
    if delivery.questions is None or state.aborted.is_set():
        deliveries(service).pop(session.session_id, None)


async def _sleep_or_abort(clock: Any, at: float, aborted: asyncio.Event) -> None:
    if clock.now() >= at or aborted.is_set():
        return
    sleeper = asyncio.ensure_future(clock.sleep_until(at))
    waiter = asyncio.ensure_future(aborted.wait())
    try:
        await asyncio.wait([sleeper, waiter], return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (sleeper, waiter):
            task.cancel()
