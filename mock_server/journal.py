"""The request journal: every request the fake served, secrets masked, for assertions."""

from __future__ import annotations

import copy
import json
import threading
from collections import deque
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from nemo_protocol.secrets import mask_headers, mask_query, mask_text

RawHeaders = list[tuple[bytes, bytes]]


def decoded(raw: RawHeaders) -> dict[str, str]:
    return {k.decode("latin-1"): v.decode("latin-1") for k, v in raw}


class _Masked:
    """A field kept as the request gave it and masked on first read (`masks applied on
    read`: a request nobody reads the journal of never pays for masking)."""

    def __init__(self, mask: Any, default: Any = None) -> None:
        self.mask = mask
        self.default = default  # makes the value of a field never set (e.g. `dict`)

    def __set_name__(self, owner: type, name: str) -> None:
        self.name, self.raw = f"_{name}", f"_raw_{name}"

    def __get__(self, entry: Any, owner: type | None = None) -> Any:
        if entry is None:
            return self
        fields = entry.__dict__
        raw = fields.pop(self.raw, None)
        if raw is not None:
            fields[self.name] = self.mask(raw)
        elif self.name not in fields and self.default is not None:
            fields[self.name] = self.default()
        return fields.get(self.name)

    def __set__(self, entry: Any, value: Any) -> None:
        entry.__dict__.pop(self.raw, None)
        entry.__dict__[self.name] = value


# A stream's writes kept per journal entry (a 300 s turn is about 30 writes, 15 KB).
MAX_FRAMES = 2000
MAX_FRAME_BYTES = 256 * 1024


class JournalEntry:
    """One request: the request fields are masked on first read (see `_Masked`); the
    response's JSON is parsed on first read. A request's entry holds only what it set:
    the rest are the class's defaults (an entry is made for every request)."""

    path = _Masked(mask_text)
    query = _Masked(lambda raw: mask_query(raw.decode("latin-1")))
    headers = _Masked(lambda raw: mask_headers(decoded(raw)))
    response_headers = _Masked(decoded, default=dict)

    status = 0
    duration_ms = 0.0
    client: str | None = None
    user_id: str | None = None
    fault_id: str | None = None
    events: int | None = None  # SSE frames sent, for streams
    completed = False
    # A stream's body writes as sent: (API time, text, secrets masked), for the inspector.
    frames: list[tuple[float, str]] | None = None
    frame_bytes = 0
    _code: int | None = None
    _response_body: Any = None
    _raw_json: bytes | None = None

    def __init__(
        self,
        seq: int,
        time: float,
        method: str,
        path: str | None = None,
        query: str | None = None,
        headers: dict[str, str] | None = None,
        body: Any = None,
        *,
        raw_path: str | None = None,
        raw_query: bytes | None = None,
        raw_headers: RawHeaders | None = None,
        **fields: Any,
    ) -> None:
        self.seq, self.time, self.method, self.body = seq, time, method, body
        own = self.__dict__
        if raw_path is not None:
            own["_raw_path"] = raw_path
        else:
            self.path = path or ""
        if raw_query is not None:
            own["_raw_query"] = raw_query
        else:
            self.query = query or ""
        if raw_headers is not None:
            own["_raw_headers"] = raw_headers
        else:
            self.headers = headers if headers is not None else {}
        for name, value in fields.items():
            setattr(self, name, value)

    @property
    def extra(self) -> dict[str, Any]:
        """What only some entries have (a cut stream, WebSocket frames…), made on first use."""
        extra: dict[str, Any] | None = self.__dict__.get("_extra")
        if extra is None:
            extra = self.__dict__["_extra"] = {}
        return extra

    @extra.setter
    def extra(self, value: dict[str, Any]) -> None:
        self.__dict__["_extra"] = value

    def __repr__(self) -> str:
        return f"JournalEntry(seq={self.seq}, {self.method} {self.path} -> {self.status})"

    def set_raw_response_headers(self, raw: RawHeaders) -> None:
        self.__dict__["_raw_response_headers"] = raw

    def response_header(self, name: str) -> str:
        """One response header (lower-case name), without decoding the others."""
        raw = self.__dict__.get("_raw_response_headers")
        if raw is None:
            return str(self.response_headers.get(name, ""))
        key = name.encode("latin-1")
        return next((v.decode("latin-1") for k, v in raw if k.lower() == key), "")

    @property
    def code(self) -> int | None:
        """The envelope's `code` (REST or render proxy), None when there is none."""
        self._parse()
        return self._code

    @code.setter
    def code(self, value: int | None) -> None:
        self._parse()
        self._code = value

    @property
    def response_body(self) -> Any:
        """The JSON response body (secrets masked), when the response was JSON."""
        self._parse()
        return self._response_body

    @response_body.setter
    def response_body(self, value: Any) -> None:
        self._raw_json = None
        self._response_body = value

    def set_json_response(self, raw: bytes) -> None:
        """Keep a JSON response's bytes; `response_body` and `code` derive from them."""
        self._raw_json = raw

    def _parse(self) -> None:
        raw = self._raw_json
        if raw is not None:
            self._raw_json = None
            self._response_body = json_of(raw)
            self._code = code_of(self._response_body)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JournalEntry:
        """An entry read back from a shared store's log (see mock_server.sharing)."""
        fields = {k: v for k, v in data.items() if k not in ("code", "response_body")}
        entry = cls(**fields)
        entry._code, entry._response_body = data.get("code"), data.get("response_body")
        return entry

    def to_dict(self) -> dict[str, Any]:
        self._parse()
        return {
            "seq": self.seq,
            "time": self.time,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": copy.deepcopy(self.headers),
            "body": copy.deepcopy(self.body),
            "status": self.status,
            "code": self._code,
            "duration_ms": self.duration_ms,
            "client": self.client,
            "user_id": self.user_id,
            "fault_id": self.fault_id,
            "events": self.events,
            "completed": self.completed,
            "response_headers": copy.deepcopy(self.response_headers),
            "response_body": copy.deepcopy(self._response_body),
            "frames": copy.deepcopy(self.extra.get("frames")),  # WebSocket messages, or None
        }


def json_of(body: bytes) -> Any:
    """A JSON body, secrets masked; None when it is not JSON."""
    try:
        return json.loads(mask_text(body.decode()))
    except ValueError:
        return None


def add_frame(entry: JournalEntry, at: float, chunk: bytes) -> None:
    """Keep one SSE body write of a stream (the first MAX_FRAMES of each)."""
    if entry.frames is None:
        entry.frames = []
    if len(entry.frames) < MAX_FRAMES and entry.frame_bytes + len(chunk) <= MAX_FRAME_BYTES:
        entry.frame_bytes += len(chunk)
        entry.frames.append((at, mask_text(chunk.decode("utf-8", "replace"))))
    else:
        entry.extra["frames_truncated"] = True


def code_of(data: Any) -> int | None:
    """The envelope's code: `code` (REST), or 0 for a render-proxy success."""
    if isinstance(data, dict):
        code = data.get("code")
        if isinstance(code, int):
            return code
        if data.get("success") is True:
            return 0
    return None


@dataclass(frozen=True)
class Exchange:
    """A whole response as sent (unmasked), handed to in-process observers only — never
    journaled or written anywhere (see Fake.observers)."""

    method: str
    path: str
    query: str
    status: int
    headers: dict[str, str]
    body: bytes
    injected: bool = False
    websocket: bool = False  # one WebSocket message the fake sent (body = its text)


class Journal:
    def __init__(self, capacity: int = 10_000) -> None:
        self._entries: deque[JournalEntry] = deque(maxlen=capacity)
        self._lock = threading.Lock()
        self._seq = 0

    def open(self, **fields: Any) -> JournalEntry:
        with self._lock:
            self._seq += 1
            entry = JournalEntry(self._seq, **fields)
            self._entries.append(entry)
        return entry

    def done(self, entry: JournalEntry) -> None:
        """Called once the entry's response is complete (a shared store writes it out)."""

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    @staticmethod
    def _matches(entry: JournalEntry, method: str | None, path: str | None) -> bool:
        return (method is None or entry.method == method.upper()) and (
            path is None or fnmatchcase(entry.path, path)
        )

    def entries(
        self, method: str | None = None, path: str | None = None, limit: int | None = None
    ) -> list[JournalEntry]:
        with self._lock:
            found = [e for e in self._entries if self._matches(e, method, path)]
        return found[-limit:] if limit else found

    def __len__(self) -> int:
        return len(self._entries)
