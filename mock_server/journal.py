"""The request journal: every request the fake served, secrets masked, for assertions."""

from __future__ import annotations

import re
import threading
from collections import deque
from dataclasses import asdict, dataclass, field
from fnmatch import fnmatchcase
from typing import Any

SECRET_HEADERS = {"authorization", "x-client-id", "cookie", "set-cookie", "x-api-key"}
_TOKEN_RE = re.compile(r"\b(nmv_usr_|clm_)([A-Za-z0-9_\-]{4,})")


def mask_secret(value: str) -> str:
    """`Bearer nmv_usr_abc…wxyz` → `Bearer nmv_usr_…wxyz`; other secrets keep 4 chars."""
    scheme, sep, rest = value.partition(" ")
    if sep and scheme.lower() == "bearer":
        return f"{scheme} {mask_secret(rest)}"
    match = _TOKEN_RE.fullmatch(value)
    if match:
        return f"{match.group(1)}…{match.group(2)[-4:]}"
    return f"{value[:4]}…" if len(value) > 8 else "…"


def mask_text(text: str) -> str:
    return _TOKEN_RE.sub(lambda m: f"{m.group(1)}…{m.group(2)[-4:]}", text)


def mask_headers(headers: dict[str, str]) -> dict[str, str]:
    return {k: (mask_secret(v) if k.lower() in SECRET_HEADERS else v) for k, v in headers.items()}


@dataclass
class JournalEntry:
    seq: int
    time: float
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any
    status: int = 0
    code: int | None = None
    duration_ms: float = 0.0
    client: str | None = None
    user_id: str | None = None
    fault_id: str | None = None
    events: int | None = None  # SSE frames sent, for streams
    completed: bool = False
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: Any = None  # the JSON body, when the response was JSON
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("extra")
        return data


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


class Journal:
    def __init__(self, capacity: int = 10_000) -> None:
        self._entries: deque[JournalEntry] = deque(maxlen=capacity)
        self._lock = threading.Lock()
        self._seq = 0

    def open(self, **fields: Any) -> JournalEntry:
        with self._lock:
            self._seq += 1
            entry = JournalEntry(seq=self._seq, **fields)
            self._entries.append(entry)
            return entry

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def entries(
        self, method: str | None = None, path: str | None = None, limit: int | None = None
    ) -> list[JournalEntry]:
        with self._lock:
            found = [
                e
                for e in self._entries
                if (method is None or e.method == method.upper())
                and (path is None or fnmatchcase(e.path, path))
            ]
        return found[-limit:] if limit else found

    def __len__(self) -> int:
        return len(self._entries)
