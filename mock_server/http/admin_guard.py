"""Who may drive the admin API (`/_fake/...`): the holder of the admin token when one is
set, and never a web page on another site (a browser sends cross-site `text/plain` POSTs
without asking, so those must not reset state, mint accounts or move the clock).

The token arrives as `Authorization: Bearer` (scripts) or, in a browser, as the
inspector's session cookie: the inspector's login form, or `?admin_token=` on any
inspector page, checks the token once and sets an HttpOnly, SameSite=Strict cookie that
holds a digest of it (never the token), then redirects to a URL without it. A request
the cookie authorises that changes something must also show it comes from the fake's own
pages (`Origin` or `Sec-Fetch-Site: same-origin`), as the inspector's script's do.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, quote, urlencode

from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server.domain.errors import AdminForbidden, AdminUnauthorized, FakeError, NotJSON
from mock_server.http.envelopes import dumps, error_body, error_status

if TYPE_CHECKING:
    from mock_server.fake import Fake

ADMIN_PREFIX = "/_fake"
INSPECTOR_PREFIX = "/_fake/ui"
LOGIN_PATH = "/_fake/ui/login"  # open without the token: where the token is given
TOKEN_PARAM = "admin_token"  # `?admin_token=` on an inspector page logs the browser in
SESSION_COOKIE = "nemo_fake_admin"
SAFE_FETCH_SITES = {"same-origin", "none"}  # `none`: typed in the address bar, curl-like
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def admin_path(path: str) -> bool:
    return path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")


def inspector_path(path: str) -> bool:
    return path == INSPECTOR_PREFIX or path.startswith(INSPECTOR_PREFIX + "/")


def same_token(given: str, admin_token: str) -> bool:
    return hmac.compare_digest(given.strip().encode(), admin_token.encode())


def session_value(admin_token: str) -> str:
    """The session cookie's value: a digest of the token, so the cookie (and anything
    that logs it) never holds the token itself."""
    key = admin_token.encode()
    return hmac.new(key, b"nemo-fake inspector session", hashlib.sha256).hexdigest()


def session_cookie(admin_token: str, scope: Scope) -> bytes:
    """The Set-Cookie value that logs a browser in to the inspector and the admin API."""
    secure = "; Secure" if scope.get("scheme") == "https" else ""
    return (
        f"{SESSION_COOKIE}={session_value(admin_token)}; Path={ADMIN_PREFIX}; HttpOnly; "
        f"SameSite=Strict{secure}"
    ).encode()


def _has_session(headers: dict[str, str], admin_token: str) -> bool:
    for pair in headers.get("cookie", "").split(";"):
        name, _, value = pair.strip().partition("=")
        if name == SESSION_COOKIE and hmac.compare_digest(
            value.encode(), session_value(admin_token).encode()
        ):
            return True
    return False


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def authorised(scope: Scope, admin_token: str | None) -> bool:
    """The request carries the admin token (or its session cookie), or none is needed."""
    if admin_token is None:
        return True
    headers = _headers(scope)
    scheme, _, given = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and same_token(given, admin_token):
        return True
    if _has_session(headers, admin_token):
        # a change made with the cookie alone must come from the fake's own pages
        return scope["method"] not in BODY_METHODS or (
            headers.get("sec-fetch-site", "").lower() == "same-origin"
            or _same_origin(headers.get("origin", ""), scope, headers.get("host", ""))
        )
    return False


def refusal(scope: Scope, admin_token: str | None) -> FakeError | None:
    """Why this admin request is refused, or None when it may go on."""
    headers = _headers(scope)
    site = headers.get("sec-fetch-site")
    if site is not None and site.lower() not in SAFE_FETCH_SITES:
        return AdminForbidden(
            f"Cross-site request to the admin API refused (Sec-Fetch-Site: {site})"
        )
    origin = headers.get("origin")
    if origin is not None and not _same_origin(origin, scope, headers.get("host", "")):
        return AdminForbidden("Cross-origin request to the admin API refused (Origin mismatch)")
    if scope["path"] == LOGIN_PATH:
        return None  # the login form posts the token itself, as a form
    if not authorised(scope, admin_token):
        return AdminUnauthorized()
    content_type = headers.get("content-type")
    if scope["method"] in BODY_METHODS and content_type is not None:
        media_type = content_type.split(";")[0].strip().lower()
        if media_type != "application/json" and not media_type.endswith("+json"):
            return NotJSON(f"Admin request bodies must be application/json, not {media_type!r}")
    return None


def _same_origin(origin: str, scope: Scope, host: str) -> bool:
    return bool(host) and origin.lower() == f"{scope.get('scheme', 'http')}://{host}".lower()


def login_url(target: str, wrong: bool = False) -> str:
    return f"{LOGIN_PATH}?next={quote(target, safe='')}" + ("&wrong=1" if wrong else "")


def browser_redirect(scope: Scope, admin_token: str | None) -> tuple[str, bytes | None] | None:
    """Where a browser asking for an inspector page goes instead, with the cookie to set:
    a URL carrying the token loses it (logged in when it is right), and a browser without
    the token is shown the login form."""
    path = scope["path"]
    if scope["method"] not in ("GET", "HEAD") or not inspector_path(path) or path == LOGIN_PATH:
        return None
    query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    given = [value for name, value in query if name == TOKEN_PARAM]
    rest = [(name, value) for name, value in query if name != TOKEN_PARAM]
    raw_path = scope.get("raw_path") or quote(path).encode()  # as sent: ASCII
    target = raw_path.decode("latin-1") + ("?" + urlencode(rest) if rest else "")
    if given:
        if admin_token is None:
            return target, None
        if same_token(given[0], admin_token):
            return target, session_cookie(admin_token, scope)
        return login_url(target, wrong=True), None
    if not authorised(scope, admin_token) and "text/html" in _headers(scope).get("accept", ""):
        return login_url(target), None
    return None


class AdminGuard:
    """Pure ASGI: refuses before the admin route reads a byte of the body."""

    def __init__(self, app: ASGIApp, fake: Fake) -> None:
        self.app = app
        self.fake = fake

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not admin_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        admin_token = self.fake.config.admin_token
        error = refusal(scope, admin_token)
        redirect = None
        if error is None or isinstance(error, AdminUnauthorized):
            redirect = browser_redirect(scope, admin_token)
        if redirect is not None:
            await _see_other(send, *redirect)
        elif error is None:
            await self.app(scope, receive, send)
        else:
            await self._refuse(send, scope, error)

    async def _refuse(self, send: Send, scope: Scope, error: FakeError) -> None:
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


async def _see_other(send: Send, location: str, cookie: bytes | None) -> None:
    headers = [
        (b"location", location.encode("latin-1")),
        (b"content-length", b"0"),
        (b"cache-control", b"no-store"),
    ]
    if cookie is not None:
        headers.append((b"set-cookie", cookie))
    await send({"type": "http.response.start", "status": 303, "headers": headers})
    await send({"type": "http.response.body", "body": b""})
