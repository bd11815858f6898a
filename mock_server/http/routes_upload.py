"""POST /api/upload-video/nemo_agent/me/<sid>: multipart (field `files`) or JSON URLs.
Versions before v1.0 put the user id where `me` stands; both forms are served.

| method | path | handler |
|---|---|---|
| POST | `/api/upload-video/nemo_agent/{user}/{session_id}` | `upload` |
"""

from __future__ import annotations

import contextlib
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from mock_server.domain.errors import BadRequest, FileTooLarge
from mock_server.domain.model import Account, Session
from mock_server.domain.uploads import IncomingFile
from mock_server.http.envelopes import ok
from mock_server.http.multipart import receive_files
from mock_server.http.request import authenticate_as, base_url, fake_of, json_object
from nemo_protocol.secrets import mask_filename

router = APIRouter()

# Multipart framing beyond the files themselves; bodies past N files' worth are refused
# from Content-Length alone, before a byte is read.
MAX_FILES_PER_REQUEST = 20


async def ingest(
    request: Request, account: Account, session: Session, files: list[IncomingFile]
) -> list[dict[str, Any]]:
    """Probe received files (off the event loop) and add them to the session; the temp
    files are gone afterwards whatever happens."""
    fake = fake_of(request)
    entry = request.scope.get("nemo.journal")
    if entry is not None:
        entry.body = {
            "multipart": [{"filename": mask_filename(f.filename), "size": f.size} for f in files]
        }
    try:
        staged = await run_in_threadpool(fake.service.uploads.stage_files, files)
        with fake.service.lock:
            return fake.service.uploads.add_files(account, session, staged, base_url(request))
    finally:
        for f in files:
            with contextlib.suppress(FileNotFoundError):
                f.path.unlink()  # moved into the media store on success


@router.post("/api/upload-video/nemo_agent/{user}/{session_id}")
async def upload(request: Request, user: str, session_id: str) -> Response:
    account = authenticate_as(request, user, session_id)
    fake = fake_of(request)
    with fake.service.lock:
        session = fake.service.sessions.get(account, session_id)  # 1002 before reading a byte
    content_type = request.headers.get("content-type", "").lower()
    limit = fake.config.upload_max_bytes
    if content_type.startswith("multipart/form-data"):
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit * MAX_FILES_PER_REQUEST:
            raise FileTooLarge(f"Upload of {declared} bytes exceeds the limit", max_bytes=limit)
        files = await receive_files(request, fake.data_dir / "tmp", limit)
        infos = await ingest(request, account, session, files)
    elif content_type.startswith("application/json") or not content_type:
        body = await json_object(request)
        if body.get("source_type", "url") != "url":
            raise BadRequest("source_type must be 'url' for JSON uploads")
        with fake.service.lock:
            infos = fake.service.uploads.add_urls(
                account, session, body.get("urls"), base_url(request)
            )
    else:
        raise BadRequest(
            "Send multipart/form-data (field 'files') or JSON {urls, source_type:'url'}"
        )
    return ok({"files": infos, "session_state_applied": True})
