"""From raw HTTP to cassette interactions: body summaries, SSE framing, header filtering,
and redaction of a whole session at once (shared by the record proxy and the HAR import)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from starlette.types import Receive, Scope, Send

from mock_server.recording.cassette import (
    Cassette,
    Interaction,
    RecordedRequest,
    RecordedResponse,
    SSEChunk,
    parse_query,
)
from mock_server.recording.redact import Redactor
from nemo_protocol import sse
from nemo_protocol.multipart import MultipartReader, Part, boundary_of

# Not recorded: transport details that a replay recomputes, and per-hop headers.
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
}
MAX_BUFFERED_BODY = 16 * 1024 * 1024  # JSON/text bodies kept whole; larger ones only summarised
DROP_REQUEST = HOP_BY_HOP | {"host", "content-length"}
DROP_RESPONSE = HOP_BY_HOP | {"content-length", "content-encoding", "date"}


def filter_headers(headers: Any, drop: set[str]) -> dict[str, str]:
    """Lowercase names; repeated headers joined with `, ` (set-cookie with newlines)."""
    out: dict[str, str] = {}
    items = headers.items() if hasattr(headers, "items") else headers
    for raw_name, raw_value in items:
        name = (
            raw_name.decode("latin-1") if isinstance(raw_name, bytes) else str(raw_name)
        ).lower()
        value = raw_value.decode("latin-1") if isinstance(raw_value, bytes) else str(raw_value)
        if name in drop or name.startswith(":"):
            continue
        if name in out:
            out[name] = f"{out[name]}{chr(10) if name == 'set-cookie' else ', '}{value}"
        else:
            out[name] = value
    return out


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_sse(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() == "text/event-stream"


def is_json_type(content_type: str) -> bool:
    base = content_type.split(";")[0].strip().lower()
    return base == "application/json" or base.endswith("+json") or base == "text/json"


def is_textual(content_type: str) -> bool:
    base = content_type.split(";")[0].strip().lower()
    return (
        is_json_type(base)
        or base.startswith("text/")
        or base in ("application/problem+json", "application/xml", "")
    )


class MultipartSummary:
    """Feed a multipart body chunk by chunk; `parts()` gives name, filename, size, sha256
    and content type of each part (file bytes are hashed, never kept)."""

    def __init__(self, content_type: str) -> None:
        boundary = boundary_of(content_type)
        self._parts: list[dict[str, Any]] = []
        self._hash = hashlib.sha256()
        self.error: str | None = None
        self._reader = MultipartReader(boundary, self) if boundary else None
        if not boundary:
            self.error = "no multipart boundary"

    def feed(self, chunk: bytes) -> None:
        if self._reader is None or self.error:
            return
        try:
            self._reader.feed(chunk)
        except Exception as exc:  # a malformed body is still forwarded; the summary says so
            self.error = f"{type(exc).__name__}: {exc}"

    def parts(self) -> list[dict[str, Any]]:
        return list(self._parts)

    # --- PartSink
    def part_started(self, part: Part) -> None:
        self._hash = hashlib.sha256()

    def part_data(self, part: Part, data: bytes) -> None:
        self._hash.update(data)

    def part_ended(self, part: Part) -> None:
        self._parts.append(
            {
                "name": part.name or "",
                "filename": part.filename,
                "size": part.size,
                "sha256": self._hash.hexdigest(),
                "content_type": part.content_type,
            }
        )


def summarise_request_body(content_type: str, data: bytes) -> Any:
    """JSON -> the value; multipart -> {"multipart": [...]}; form -> fields; empty -> None."""
    if not data:
        return None
    base = content_type.split(";")[0].strip().lower()
    if base.startswith("multipart/"):
        summary = MultipartSummary(content_type)
        summary.feed(data)
        return {"multipart": summary.parts()}
    if base == "application/x-www-form-urlencoded":
        return parse_query(data.decode("utf-8", "replace"))
    return decode_json_or_text(data, content_type)


def decode_json_or_text(data: bytes, content_type: str = "") -> Any:
    try:
        return json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return {"size": len(data), "sha256": sha256_hex(data), "content_type": content_type or None}


class Hasher:
    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self.size = 0

    def update(self, data: bytes) -> None:
        self._hash.update(data)
        self.size += len(data)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


class RequestCapture:
    """Keeps what the cassette needs of a request body while it streams upstream."""

    def __init__(self, content_type: str) -> None:
        self.content_type = content_type
        self.multipart = (
            MultipartSummary(content_type)
            if content_type.lower().startswith("multipart/")
            else None
        )
        self.buffer = bytearray()
        self.size = 0
        self.hasher = Hasher()

    def feed(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.multipart is not None:
            self.multipart.feed(chunk)
            return
        self.hasher.update(chunk)
        if len(self.buffer) <= MAX_BUFFERED_BODY:
            self.buffer.extend(chunk)

    def summary(self) -> Any:
        if self.multipart is not None:
            return {"multipart": self.multipart.parts()}
        if self.size == 0:
            return None
        if self.size > MAX_BUFFERED_BODY:
            return {
                "size": self.size,
                "sha256": self.hasher.hexdigest(),
                "content_type": self.content_type or None,
            }
        return summarise_request_body(self.content_type, bytes(self.buffer))


@dataclass
class Exchange:
    """One request/response as seen, before redaction (kept in memory while recording)."""

    seq: int
    started_ms: float
    request: RecordedRequest
    response: RecordedResponse
    extra: dict[str, Any] = field(default_factory=dict)


def _data_lines(raw: str) -> list[Any]:
    """The JSON values among a raw frame's event data (ids to learn as secrets)."""
    values = []
    for payload in sse.payloads(raw):
        if payload.lstrip().startswith(("{", "[")):
            try:
                values.append(json.loads(payload))
            except json.JSONDecodeError:
                pass
    return values


def redact_exchanges(
    exchanges: list[Exchange], base_url: str | None
) -> tuple[list[Interaction], dict[str, str]]:
    """Redact a whole session at once: learn every secret first, then replace everywhere."""
    ordered = sorted(exchanges, key=lambda e: (e.started_ms, e.seq))
    r = Redactor(base_url)
    for ex in ordered:  # pass 1: every secret, numbered by first appearance
        req, resp = ex.request, ex.response
        r.scan_headers(req.headers)
        r.scan_text(req.path)
        r.scan_query(req.query)
        r.scan_json(req.body)
        r.scan_headers(resp.headers)
        if resp.sse is not None:
            for chunk in resp.sse:
                r.scan_text(chunk.raw)
                for value in _data_lines(chunk.raw):
                    r.scan_json(value)
        else:
            r.scan_json(resp.body)
    out: list[Interaction] = []
    first = ordered[0].started_ms if ordered else 0.0
    for ex in ordered:  # pass 2: replace
        req, resp = ex.request, ex.response
        request = RecordedRequest(
            method=req.method,
            path=r.path(req.path),
            query=r.query(req.query, req.path),
            headers=r.headers(req.headers),
            body=r.json(req.body),
        )
        response = RecordedResponse(
            status=resp.status,
            headers=r.headers(resp.headers),
            body=None if resp.kind != "json" else r.json(resp.body),
            sse=None
            if resp.sse is None
            else [SSEChunk(c.offset_ms, r.text(c.raw)) for c in resp.sse],
            binary=resp.binary,
        )
        out.append(Interaction(request, response, max(0.0, ex.started_ms - first)))
    return out, dict(r.placeholders)


def build_cassette(
    exchanges: list[Exchange],
    provenance: dict[str, Any],
    base_url: str | None = None,
    description: str | None = None,
) -> Cassette:
    interactions, placeholders = redact_exchanges(exchanges, base_url)
    return Cassette(
        provenance=provenance,
        interactions=interactions,
        placeholders=placeholders,
        description=description,
    )


async def http_only(scope: Scope, receive: Receive, send: Send) -> bool:
    """The start of the proxy's and the replay app's ASGI call: True for an HTTP request;
    a lifespan is answered here (startup and shutdown complete), anything else ignored."""
    if scope["type"] == "http":
        return True
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return False
    return False
