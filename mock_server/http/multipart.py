"""Streaming multipart parsing for uploads: parts go straight to temp files on disk and
the per-file size limit is enforced while the body streams (a 2 GB upload is never held
in memory, and reading stops at the first byte over the limit)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import IO

from python_multipart.exceptions import MultipartParseError
from starlette.requests import ClientDisconnect, Request

from mock_server.domain.errors import BadRequest, FileTooLarge
from mock_server.domain.uploads import IncomingFile
from nemo_protocol.multipart import MultipartReader, Part, boundary_of

FIELD_LIMIT = 64 * 1024  # non-file form fields


class _ToDisk:
    """Files to temp files under `tmp_dir` (at most `max_bytes` each), form fields counted."""

    def __init__(self, tmp_dir: Path, max_bytes: int) -> None:
        self.tmp_dir = tmp_dir
        self.max_bytes = max_bytes
        self.files: list[IncomingFile] = []
        self.fields: dict[str, str] = {}  # small text fields (e.g. the gateway's session_id)
        self._field = bytearray()
        self.temp_paths: list[Path] = []
        self.handle: IO[bytes] | None = None
        self.path: Path | None = None

    def part_started(self, part: Part) -> None:
        self.handle = self.path = None
        self._field = bytearray()
        if part.filename is not None:
            fd, raw_path = tempfile.mkstemp(dir=self.tmp_dir, prefix="upload-")
            self.path = Path(raw_path)
            self.temp_paths.append(self.path)
            self.handle = os.fdopen(fd, "wb")

    def part_data(self, part: Part, data: bytes) -> None:
        if self.handle is None:
            if part.size > FIELD_LIMIT:
                raise BadRequest(f"Form field {part.name!r} is larger than {FIELD_LIMIT} bytes")
            self._field.extend(data)
            return
        if part.size > self.max_bytes:
            raise FileTooLarge(
                f"{part.filename!r} is larger than the {self.max_bytes}-byte upload limit; "
                "compress or trim it",
                max_bytes=self.max_bytes,
            )
        self.handle.write(data)

    def part_ended(self, part: Part) -> None:
        if self.handle is None or self.path is None:
            if part.name is not None and part.filename is None:
                self.fields[part.name] = self._field.decode("utf-8", "replace")
            return
        self.handle.close()
        if part.name in ("files", "file", "files[]"):
            self.files.append(
                IncomingFile(part.filename or "file", self.path, part.size, part.content_type)
            )

    def cleanup(self) -> None:
        if self.handle is not None and not self.handle.closed:
            self.handle.close()
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
    boundary = boundary_of(request.headers.get("content-type", ""))
    if not boundary:
        raise BadRequest("multipart/form-data body without a boundary")
    tmp_dir.mkdir(parents=True, exist_ok=True)
    collector = _ToDisk(tmp_dir, max_bytes)
    reader = MultipartReader(boundary, collector)
    try:
        async for chunk in request.stream():
            reader.feed(chunk)
        reader.finish()
        if not reader.ended:
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
