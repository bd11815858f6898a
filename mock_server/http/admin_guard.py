"""Who may drive the admin API (`/_fake/...`): the holder of the admin token when one is
set, and never a web page on another site (a browser sends cross-site `text/plain` POSTs
without asking, so those must not reset state, mint accounts or move the clock)."""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server.domain.errors import AdminForbidden, AdminUnauthorized, FakeError, NotJSON
from mock_server.http.envelopes import dumps, error_body, error_status

if TYPE_CHECKING:
    from mock_server.fake import Fake

ADMIN_PREFIX = "/_fake"
SAFE_FETCH_SITES = {"same-origin", "none"}  # `none`: typed in the address bar, curl-like
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def admin_path(path: str) -> bool:
    return path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")


def refusal(scope: Scope, admin_token: str | None) -> FakeError | None:
    """Why this admin request is refused, or None when it may go on."""
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    if admin_token is not None:
        scheme, _, given = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            given.strip().encode(), admin_token.encode()
        ):
            return AdminUnauthorized()
    site = headers.get("sec-fetch-site")
    if site is not None and site.lower() not in SAFE_FETCH_SITES:
        return AdminForbidden(
            f"Cross-site request to the admin API refused (Sec-Fetch-Site: {site})"
        )
    origin = headers.get("origin")
    if origin is not None and not _same_origin(origin, scope, headers.get("host", "")):
        return AdminForbidden("Cross-origin request to the admin API refused (Origin mismatch)")
    content_type = headers.get("content-type")
    if scope["method"] in BODY_METHODS and content_type is not None:
        media_type = content_type.split(";")[0].strip().lower()
        if media_type != "application/json" and not media_type.endswith("+json"):
            return NotJSON(f"Admin request bodies must be application/json, not {media_type!r}")
    return None


def _same_origin(origin: str, scope: Scope, host: str) -> bool:
    return bool(host) and origin.lower() == f"{scope.get('scheme', 'http')}://{host}".lower()


class AdminGuard:
    """Pure ASGI: refuses before the admin route reads a byte of the body."""

    def __init__(self, app: ASGIApp, fake: Fake) -> None:
        self.app = app
        self.fake = fake

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not admin_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        error = refusal(scope, self.fake.config.admin_token)
        if error is None:
            await self.app(scope, receive, send)
            return
        body = dumps(error_body(error, scope["path"]))
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        if isinstance(error, AdminUnauthorized):
            headers.append((b"www-authenticate", b'Bearer realm="nemo-fake admin"'))
        status = error_status(error, self.fake.config)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
