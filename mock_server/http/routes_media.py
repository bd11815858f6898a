"""GET /media/<media_id>/<filename>: the fake's CDN for uploaded and generated media.

| method | path | handler |
|---|---|---|
| GET HEAD | `/media/{media_id}/{filename}` | `media` |
"""

from __future__ import annotations

import asyncio
import mimetypes

from fastapi import APIRouter, Request
from starlette.responses import FileResponse, Response

from mock_server.domain.errors import RenderNotFound
from mock_server.http.request import fake_of

router = APIRouter()


class MediaNotFound(RenderNotFound):
    default_message = "Media not found"


@router.api_route("/media/{media_id}/{filename}", methods=["GET", "HEAD"])
async def media(request: Request, media_id: str, filename: str) -> Response:
    fake = fake_of(request)
    with fake.service.lock:
        found = fake.service.store.media(media_id)
    if found is None or found.path is None:
        raise MediaNotFound(f"Media not found: {media_id}/{filename}")
    try:
        # generated media are made on first use, off the event loop
        await asyncio.wrap_future(fake.assets.ensure(found))
    except Exception:
        raise MediaNotFound(f"Media not available: {media_id}/{filename}") from None
    media_type = mimetypes.guess_type(found.filename)[0] or "application/octet-stream"
    return FileResponse(found.path, media_type=media_type)
