"""Pure-ASGI middleware (no BaseHTTPMiddleware: it buffers streams and costs throughput):
journals every API request with secrets masked, and applies injected faults."""

from __future__ import annotations

import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.domain.errors import injected_error
from mock_server.fake import Fake
from mock_server.faults import Fault
from mock_server.http.body import parse_json
from mock_server.http.envelopes import dumps, error_body, error_status
from mock_server.journal import Exchange, JournalEntry, add_frame
from nemo_protocol.secrets import mask_text
from nemo_protocol.sse import count_frames as sse_frames

CAPTURE = 16 * 1024  # bytes of each request body kept for the journal
RESPONSE_CAPTURE = 1024 * 1024  # JSON responses up to this size are journaled whole
OBSERVED_BODY = 8 * 1024 * 1024  # observers see whole non-media bodies up to this size
ADMIN_PREFIX = "/_fake/"
SUMMARY_DEPTH = 64  # a journaled body nested deeper is kept as raw text
MEDIA = (b"video/", b"audio/", b"image/")  # bodies observers are not shown


class StreamCut(Exception):
    """Raised inside `send` to end a response mid-way (fault: drop / cut_after_events)."""


class JournalFaultMiddleware:
    def __init__(self, app: ASGIApp, fake: Fake) -> None:
        self.app = app
        self.fake = fake

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.fake.sync()  # what other workers on a shared store changed (no-op in memory)
        if scope["path"].startswith(ADMIN_PREFIX):
            # the admin API is neither journaled nor faulted, but observers still see it
            await self.app(
                scope, receive, self._observed(send, scope) if self.fake.observers else send
            )
            return
        method, path = scope["method"], scope["path"]
        client = scope.get("client")
        # kept as given: masked and decoded when the journal is read (journal._Masked)
        entry = self.fake.journal.open(
            time=self.fake.clock.now(),
            method=method,
            raw_path=path,
            raw_query=scope.get("query_string", b""),
            raw_headers=scope["headers"],
            client=client[0] if client else None,
        )
        scope["nemo.journal"] = entry
        started = time.perf_counter()
        request_body = bytearray()

        async def receive_logged() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                if len(request_body) < CAPTURE:
                    request_body.extend(message.get("body", b"")[: CAPTURE - len(request_body)])
                if request_body and not message.get("more_body", False):
                    # journaled now, not at the end: a running stream shows whose it is
                    entry.body = _summarise(bytes(request_body), _content_type(scope))
            return message

        fault = self.fake.faults.take(method, path)
        try:
            if fault is not None:
                entry.fault_id = fault.id
                if fault.spec.error_code is not None or fault.spec.drop:
                    await _drain(receive_logged)  # so the journal shows what was sent
                if await self._apply_fault(fault, scope, send, entry):
                    return
            await self.app(scope, receive_logged, self._sender(send, entry, fault, scope))
            entry.completed = True
        except StreamCut:
            entry.extra["cut"] = True
        finally:
            entry.duration_ms = round((time.perf_counter() - started) * 1000, 3)
            if entry.body is None and request_body:
                entry.body = _summarise(bytes(request_body), _content_type(scope))
            self.fake.journal.done(entry)

    def _notify(self, scope: Scope, entry: JournalEntry, body: bytes) -> None:
        self._emit(scope, entry.status, entry.response_headers, body, entry.fault_id is not None)

    def _emit(
        self, scope: Scope, status: int, headers: dict[str, str], body: bytes, injected: bool
    ) -> None:
        exchange = Exchange(
            method=scope["method"],
            path=scope["path"],
            query=scope.get("query_string", b"").decode("latin-1"),
            status=status,
            headers=headers,
            body=body,
            injected=injected,
        )
        for observer in list(self.fake.observers):
            observer(exchange)

    def _observed(self, send: Send, scope: Scope) -> Send:
        head: dict[str, Any] = {}
        body = bytearray()

        async def send_observed(message: Message) -> None:
            if message["type"] == "http.response.start":
                head["status"] = message["status"]
                head["headers"] = {
                    k.decode("latin-1"): v.decode("latin-1") for k, v in message.get("headers", [])
                }
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
                if not message.get("more_body", False):
                    self._emit(scope, head["status"], head["headers"], bytes(body), False)
            await send(message)

        return send_observed

    async def _apply_fault(
        self, fault: Fault, scope: Scope, send: Send, entry: JournalEntry
    ) -> bool:
        """Apply latency, then answer for the app if the fault says so (returns True)."""
        spec = fault.spec
        if spec.latency:
            await self.fake.clock.sleep(spec.latency)
        if spec.drop:
            entry.status = 200
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            raise StreamCut()
        if spec.error_code is None:
            return False
        error = injected_error(spec.error_code, self.fake.config.upload_max_bytes)
        status = error_status(error, self.fake.config)
        payload = error_body(error, scope["path"])
        body = dumps(payload)
        entry.status, entry.code, entry.completed = status, error.code, True
        entry.response_body = payload
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        if error.code == 429:
            headers.append((b"retry-after", b"30"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        if self.fake.observers:
            entry.response_headers = {k.decode(): v.decode() for k, v in headers}
            self._notify(scope, entry, body)
        return True

    def _sender(self, send: Send, entry: JournalEntry, fault: Fault | None, scope: Scope) -> Send:
        captured = bytearray()
        observed = bytearray() if self.fake.observers else None
        cut_after = fault.spec.cut_after_events if fault else None
        content_type = b""
        sse = json = False
        events = 0

        async def send_logged(message: Message) -> None:
            nonlocal content_type, sse, json, events
            if message["type"] == "http.response.start":
                entry.status = message["status"]
                raw = list(message.get("headers", []))
                entry.set_raw_response_headers(raw)  # decoded when read
                content_type = next((v for k, v in raw if k.lower() == b"content-type"), b"")
                sse = content_type.startswith(b"text/event-stream")
                json = content_type.startswith(b"application/json")
                if sse:
                    entry.events = 0
            elif message["type"] == "http.response.body":
                chunk = message.get("body", b"")
                more = message.get("more_body", False)
                if observed is not None:
                    if len(observed) < OBSERVED_BODY and not content_type.startswith(MEDIA):
                        observed.extend(chunk)
                    if not more:
                        self._notify(scope, entry, bytes(observed))
                if sse:
                    frames = sse_frames(chunk)
                    if cut_after is not None and events + frames > cut_after:
                        raise StreamCut()
                    events += frames
                    entry.events = events
                    if chunk:
                        add_frame(entry, self.fake.clock.now(), chunk)
                elif json:
                    if not more and not captured:  # a whole body in one message: no copy
                        entry.set_json_response(bytes(chunk[:RESPONSE_CAPTURE]))
                    else:
                        captured.extend(chunk[: max(0, RESPONSE_CAPTURE - len(captured))])
                        if not more:
                            entry.set_json_response(bytes(captured))  # parsed when read
            await send(message)

        return send_logged


def _content_type(scope: Scope) -> str:
    return next((v.decode("latin-1") for k, v in scope["headers"] if k == b"content-type"), "")


async def _drain(receive: Receive, limit: int = 64 * CAPTURE) -> None:
    """Read a request body the app will never read (bounded: a huge upload is cut off)."""
    seen = 0
    while seen <= limit:
        message = await receive()
        if message["type"] != "http.request":
            return
        seen += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


def _summarise(body: bytes, content_type: str) -> Any:
    if content_type.startswith("application/json") or body[:1] in (b"{", b"["):
        try:  # the same strict parse as the routes: a body they refuse cannot break a read
            return parse_json(mask_text(body.decode()).encode(), SUMMARY_DEPTH)
        except ValueError:
            return {"raw": mask_text(body[:512].decode("utf-8", "replace")), "size": len(body)}
    return {"content_type": content_type, "size": len(body)}
