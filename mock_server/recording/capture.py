"""From raw HTTP to cassette interactions: body summaries, SSE framing, header filtering,
and redaction of a whole session at once (shared by the record proxy and the HAR import)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from python_multipart.multipart import MultipartParser, parse_options_header

from mock_server.recording.cassette import (
    Cassette,
    Interaction,
    RecordedRequest,
    RecordedResponse,
    SSEChunk,
    parse_query,
)
from mock_server.recording.redact import Redactor

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
        _, params = parse_options_header(content_type)
        boundary = params.get(b"boundary")
        self._parts: list[dict[str, Any]] = []
        self._headers: dict[str, str] = {}
        self._field = b""
        self._value = b""
        self._hash = hashlib.sha256()
        self._size = 0
        self.error: str | None = None
        self._parser: MultipartParser | None = None
        if not boundary:
            self.error = "no multipart boundary"
            return
        callbacks: Any = {
            "on_part_begin": self._begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value,
            "on_header_end": self._header_end,
            "on_part_data": self._data,
            "on_part_end": self._end,
        }
        self._parser = MultipartParser(boundary, callbacks)

    def feed(self, chunk: bytes) -> None:
        if self._parser is None or self.error or not chunk:
            return
        try:
            self._parser.write(chunk)
        except Exception as exc:  # a malformed body is still forwarded; the summary says so
            self.error = f"{type(exc).__name__}: {exc}"

    def parts(self) -> list[dict[str, Any]]:
        return list(self._parts)

    # --- parser callbacks
    def _begin(self) -> None:
        self._headers, self._hash, self._size = {}, hashlib.sha256(), 0

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._field.decode("latin-1").lower()] = self._value.decode(
            "utf-8", "replace"
        )
        self._field, self._value = b"", b""

    def _data(self, data: bytes, start: int, end: int) -> None:
        self._hash.update(data[start:end])
        self._size += end - start

    def _end(self) -> None:
        _, params = parse_options_header(self._headers.get("content-disposition", ""))
        name = params.get(b"name", b"").decode("utf-8", "replace")
        filename = params.get(b"filename")
        self._parts.append(
            {
                "name": name,
                "filename": None if filename is None else filename.decode("utf-8", "replace"),
                "size": self._size,
                "sha256": self._hash.hexdigest(),
                "content_type": self._headers.get("content-type"),
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


class SSEFramer:
    """Splits a byte stream into SSE events at blank lines; each keeps its terminator,
    so joining them gives back the stream."""

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, chunk: bytes) -> list[bytes]:
        self._buffer += chunk
        frames: list[bytes] = []
        while True:
            cut = _frame_end(self._buffer)
            if cut < 0:
                return frames
            frames.append(self._buffer[:cut])
            self._buffer = self._buffer[cut:]

    def finish(self) -> bytes:
        rest, self._buffer = self._buffer, b""
        return rest


def _frame_end(buffer: bytes) -> int:
    best = -1
    for sep in (b"\n\n", b"\r\n\r\n", b"\r\r"):
        at = buffer.find(sep)
        if at >= 0 and (best < 0 or at + len(sep) < best):
            best = at + len(sep)
    return best


def split_sse_text(text: str) -> list[str]:
    framer = SSEFramer()
    frames = framer.feed(text.encode("utf-8"))
    rest = framer.finish()
    if rest.strip():
        frames.append(rest)
    return [f.decode("utf-8") for f in frames]


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
    values = []
    for line in raw.splitlines():
        if line.startswith("data:"):
            payload = line[5:].strip()
            if payload.startswith(("{", "[")):
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
