"""The one multipart/form-data reader of the tree: python-multipart's streaming parser,
turned into parts with their headers, name, filename and content type, and handed to a
`PartSink` byte range by byte range (nothing is held in memory).

The fake's upload route writes parts to disk with a size limit (mock_server/http/
multipart.py); the recording proxy hashes them for a cassette
(mock_server/recording/capture.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from python_multipart.multipart import MultipartParser, parse_options_header


@dataclass
class Part:
    headers: dict[str, bytes] = field(default_factory=dict)
    name: str | None = None
    filename: str | None = None  # None: a plain form field
    content_type: str | None = None
    size: int = 0


class PartSink(Protocol):
    def part_started(self, part: Part) -> None: ...
    def part_data(self, part: Part, data: bytes) -> None: ...
    def part_ended(self, part: Part) -> None: ...


def boundary_of(content_type: str | bytes) -> bytes | None:
    _, params = parse_options_header(content_type)
    boundary: bytes | None = params.get(b"boundary")
    return boundary or None


class MultipartReader:
    """`feed(chunk)` as the body arrives, then `finish()`; `ended` once the closing
    boundary was seen. Parser errors (python_multipart.exceptions.MultipartParseError,
    UnicodeError/ValueError from a bad part header) and the sink's own exceptions
    propagate from `feed`/`finish`."""

    def __init__(self, boundary: bytes, sink: PartSink) -> None:
        self.sink = sink
        self.part = Part()
        self.ended = False
        self._field, self._value = b"", b""
        callbacks: Any = {
            "on_part_begin": self._begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._data,
            "on_part_end": self._end,
            "on_end": self._done,
        }
        self._parser = MultipartParser(boundary, callbacks)

    def feed(self, chunk: bytes) -> None:
        if chunk:
            self._parser.write(chunk)

    def finish(self) -> None:
        self._parser.finalize()

    # --- python-multipart callbacks
    def _begin(self) -> None:
        self.part = Part()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        # raw bytes: parse_options_header handles any bytes; names are decoded below
        self.part.headers[self._field.decode("latin-1").lower()] = self._value
        self._field, self._value = b"", b""

    def _headers_finished(self) -> None:
        part = self.part
        _, params = parse_options_header(part.headers.get("content-disposition", b""))
        name, filename = params.get(b"name"), params.get(b"filename")
        part.name = name.decode("utf-8", "replace") if name else None
        part.filename = filename.decode("utf-8", "replace") if filename is not None else None
        part.content_type = part.headers.get("content-type", b"").decode("utf-8", "replace") or None
        self.sink.part_started(part)

    def _data(self, data: bytes, start: int, end: int) -> None:
        self.part.size += end - start
        self.sink.part_data(self.part, data[start:end])

    def _end(self) -> None:
        self.sink.part_ended(self.part)

    def _done(self) -> None:
        self.ended = True
