"""Streaming multipart parsing for uploads: parts go straight to temp files on disk and
the per-file size limit is enforced while the body streams (a 2 GB upload is never held
in memory, and reading stops at the first byte over the limit)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from mock_server.domain.errors import BadRequest, FileTooLarge
from mock_server.domain.uploads import IncomingFile

FIELD_LIMIT = 64 * 1024  # non-file form fields


@dataclass
class _Part:
    headers: dict[str, bytes] = field(default_factory=dict)
    name: str | None = None
    filename: str | None = None
    content_type: str | None = None
    size: int = 0
    handle: IO[bytes] | None = None
    path: Path | None = None


class _Collector:
    def __init__(self, tmp_dir: Path, max_bytes: int) -> None:
        self.tmp_dir = tmp_dir
        self.max_bytes = max_bytes
        self.files: list[IncomingFile] = []
        self._field_bytes: dict[str, bytearray] = {}
        self.temp_paths: list[Path] = []
        self.part = _Part()
        self._field, self._value = b"", b""
        self.error: Exception | None = None
        self.ended = False

    # python-multipart callbacks
    def on_part_begin(self) -> None:
        self.part = _Part()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def on_header_end(self) -> None:
        # raw bytes: parse_options_header handles any bytes; names are decoded below
        self.part.headers[self._field.decode("latin-1").lower()] = self._value
        self._field, self._value = b"", b""

    def on_headers_finished(self) -> None:
        _, params = parse_options_header(self.part.headers.get("content-disposition", b""))
        name, filename = params.get(b"name"), params.get(b"filename")
        self.part.name = name.decode("utf-8", "replace") if name else None
        self.part.filename = filename.decode("utf-8", "replace") if filename is not None else None
        self.part.content_type = (
            self.part.headers.get("content-type", b"").decode("utf-8", "replace") or None
        )
        if self.part.filename is not None:
            fd, raw_path = tempfile.mkstemp(dir=self.tmp_dir, prefix="upload-")
            self.part.path = Path(raw_path)
            self.temp_paths.append(self.part.path)
            self.part.handle = os.fdopen(fd, "wb")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        part = self.part
        part.size += end - start
        if part.handle is None:
            if part.size > FIELD_LIMIT:
                raise BadRequest(f"Form field {part.name!r} is larger than {FIELD_LIMIT} bytes")
            if part.name is not None:
                self._field_bytes.setdefault(part.name, bytearray()).extend(data[start:end])
            return
        if part.size > self.max_bytes:
            raise FileTooLarge(
                f"{part.filename!r} is larger than the {self.max_bytes}-byte upload limit; "
                "compress or trim it",
                max_bytes=self.max_bytes,
            )
        part.handle.write(data[start:end])

    def on_part_end(self) -> None:
        part = self.part
        if part.handle is None or part.path is None:
            return
        part.handle.close()
        if part.name in ("files", "file", "files[]"):
            self.files.append(
                IncomingFile(part.filename or "file", part.path, part.size, part.content_type)
            )

    def on_end(self) -> None:
        self.ended = True

    @property
    def fields(self) -> dict[str, str]:
        return {k: v.decode("utf-8", "replace") for k, v in self._field_bytes.items()}

    def cleanup(self) -> None:
        if self.part.handle is not None and not self.part.handle.closed:
            self.part.handle.close()
        for path in self.temp_paths:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


async def receive_files(request: Request, tmp_dir: Path, max_bytes: int) -> list[IncomingFile]:
    """Stream the multipart body to disk; on any error every temp file is removed."""
    files, _fields = await receive_form(request, tmp_dir, max_bytes)
    return files


async def receive_form(
    request: Request, tmp_dir: Path, max_bytes: int
) -> tuple[list[IncomingFile], dict[str, str]]:
    """The files (on disk) and the small text fields of a multipart body."""
    _, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if not boundary:
        raise BadRequest("multipart/form-data body without a boundary")
    tmp_dir.mkdir(parents=True, exist_ok=True)
    collector = _Collector(tmp_dir, max_bytes)
    callbacks = {
        name: getattr(collector, name) for name in dir(collector) if name.startswith("on_")
    }
    parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
        if not collector.ended:
            raise BadRequest("Truncated multipart body: the closing boundary never arrived")
    except MultipartParseError as exc:
        collector.cleanup()
        raise BadRequest(f"Malformed multipart body: {exc}") from None
    except (UnicodeError, ValueError):
        collector.cleanup()
        raise BadRequest("Malformed multipart body: a part header is not valid text") from None
    except (ClientDisconnect, Exception):
        collector.cleanup()
        raise
    # keep only the files handed on; stray non-`files` parts are dropped
    kept = {f.path for f in collector.files}
    for path in collector.temp_paths:
        if path not in kept:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
    return collector.files, collector.fields
