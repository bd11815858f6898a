"""The protocol core's state and its one request rule-set (`call`).

Rules applied here, once, for every operation of both drivers:
- 1001 → acquire a new anonymous token with the same client id, retry the call once;
- 429 → wait `policy.rate_limit_wait` (30 s) and retry once;
- 5xx / network errors → bounded retries with back-off, on idempotent calls only;
- 1002 on a session-scoped call → create a new session and raise `SessionExpired`
  carrying its id (nothing is re-sent into the new session);
- 2001 → `InsufficientCredits` with `$NEMO_WEB_URL/register?bind=<user_id>` for anonymous
  users.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypedDict
from urllib.parse import parse_qs, urlsplit

from nemo_protocol.secrets import mask

from .actions import HttpRequest, Op, OpenStream, Send, Sleep, StreamOpened
from .config import ClientConfig, Policy
from .envelope import Context, interpret
from .errors import (
    InsufficientCredits,
    NemoError,
    NetworkError,
    RateLimited,
    ServerError,
    SessionExpired,
    SessionNotFound,
    TokenInvalid,
    TurnInProgress,
)
from .models import SessionInfo, TokenInfo


# --- one running turn per (API, session), in process
# Re-sending while a generation runs creates duplicates and double-charges (documented),
# so a second message into a busy session raises instead of being sent. Shared by every
# client in the process (sync and async alike) unless a test injects its own.
class TurnGuard:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: set[tuple[str, str]] = set()

    def acquire(self, api_url: str, session_id: str) -> None:
        key = (api_url, session_id)
        with self._lock:
            if key in self._running:
                raise TurnInProgress(
                    f"A turn is already running in session {session_id}; "
                    "wait for it to finish before sending another message"
                )
            self._running.add(key)

    def release(self, api_url: str, session_id: str) -> None:
        with self._lock:
            self._running.discard((api_url, session_id))

    def busy(self, api_url: str, session_id: str) -> bool:
        with self._lock:
            return (api_url, session_id) in self._running


DEFAULT_GUARD = TurnGuard()


# --- the `language` sent at session creation: "<detected>" from the user's text
def detect_language(text: str, default: str = "en") -> str:
    """A cheap script-based guess: kana → ja, hangul → ko, CJK → zh-CN, else `default`."""
    if any("\u3040" <= ch <= "\u30ff" for ch in text):
        return "ja"
    if any("\uac00" <= ch <= "\ud7af" for ch in text):
        return "ko"
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return "zh-CN"
    return default


class CoreOptions(TypedDict, total=False):
    """`Core`'s keyword options, as both drivers' constructors take them."""

    policy: Policy | None
    guard: TurnGuard | None
    monotonic: Callable[[], float]
    wall_clock: Callable[[], float]
    language: str | None
    session_id: str | None
    task_id: str | None
    user_id: str | None


class Core:
    def __init__(
        self,
        config: ClientConfig,
        *,
        policy: Policy | None = None,
        guard: TurnGuard | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        language: str | None = None,
        session_id: str | None = None,
        task_id: str | None = None,
        user_id: str | None = None,
    ) -> None:
        self.config = config
        self.policy = policy or Policy()
        self.guard = guard or DEFAULT_GUARD
        self.monotonic = monotonic
        self.wall_clock = wall_clock
        self.language = language
        self.token: str | None = config.token
        self.user_id = user_id
        self.session_id = session_id
        self.task_id = task_id

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(api_url={self.config.api_url!r}, "
            f"token={mask(self.token)!r}, session_id={self.session_id!r})"
        )

    # --- requests -------------------------------------------------------------------

    def url(self, path: str) -> str:
        return f"{self.config.api_url}{path}"

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        json: Any = None,
        files: list[tuple[str, Any, str]] | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> HttpRequest:
        url = path_or_url if "://" in path_or_url else self.url(path_or_url)
        all_headers = {**self.config.attribution_headers(), **(headers or {})}
        if json is not None:
            all_headers.setdefault("Content-Type", "application/json")
        return HttpRequest(method, url, all_headers, json, files, timeout)

    def authorized(self, request: HttpRequest) -> HttpRequest:
        """`request` with the current Bearer token (callers ensure_token() first)."""
        return replace(
            request, headers={**request.headers, "Authorization": f"Bearer {self.token}"}
        )

    def call(
        self,
        request: HttpRequest,
        *,
        idempotent: bool,
        auth: bool = True,
        session_scoped: bool = False,
        context: Context = "api",
        stream: bool = False,
    ) -> Op[Any]:
        """Send `request` under the rules above; return the payload (or StreamOpened)."""
        reauthed = waited = False
        attempt = 0
        while True:
            if auth:
                yield from self.ensure_token()
            sent = self.authorized(request) if auth else request
            try:
                reply = yield (OpenStream(sent) if stream else Send(sent))
                if isinstance(reply, StreamOpened):
                    return reply
                return interpret(reply, context)
            except NemoError as exc:
                error: NemoError = exc
            if isinstance(error, TokenInvalid) and auth and not reauthed:
                reauthed = True
                yield from self.acquire_token()
                continue
            if isinstance(error, RateLimited) and not waited:
                waited = True
                yield Sleep(self.policy.rate_limit_wait)
                continue
            retryable = isinstance(error, ServerError | NetworkError)
            if retryable and idempotent and attempt < self.policy.retries:
                yield Sleep(self.policy.backoff_for(attempt))
                attempt += 1
                continue
            if isinstance(error, SessionNotFound) and session_scoped:
                raise (yield from self.renew_session())
            if isinstance(error, InsufficientCredits):
                error.registration_url = self.registration_url(error.registration_url)
            raise error

    # --- identity ------------------------------------------------------------------

    def ensure_token(self) -> Op[str]:
        if not self.token:
            yield from self.acquire_token()
        assert self.token is not None
        return self.token

    def acquire_token(self) -> Op[TokenInfo]:
        """POST /api/auth/anonymous-token with the (stable) X-Client-Id."""
        client_id = self.config.client_id
        if not client_id:
            raise NemoError("No client id configured (NEMO_CLIENT_ID or the config dir)")
        request = self.request(
            "POST", "/api/auth/anonymous-token", headers={"X-Client-Id": client_id}
        )
        data = yield from self.call(request, idempotent=False, auth=False)
        info = TokenInfo.from_data(data)
        self.token = info.token
        self.user_id = info.user_id or self.user_id
        return info

    def create_session(self, language: str | None = None) -> Op[SessionInfo]:
        self.language = language or self.language or "en"
        request = self.request(
            "POST",
            "/api/tasks/me/with-session/nemo_agent",
            json={"task_name": "project", "language": self.language},
        )
        data = yield from self.call(request, idempotent=False)
        info = SessionInfo.from_data(data)
        self.session_id, self.task_id = info.session_id, info.task_id
        self.user_id = info.user_id or self.user_id
        return info

    def ensure_session(self, text_hint: str = "") -> Op[str]:
        """The current session, created on first use (language detected from `text_hint`)."""
        if not self.session_id:
            yield from self.create_session(self.language or detect_language(text_hint))
        assert self.session_id is not None
        return self.session_id

    def renew_session(self) -> Op[SessionExpired]:
        """1002: make a new session now, and return the error that tells the caller."""
        old = self.session_id
        info = yield from self.create_session()
        return SessionExpired(old, info.session_id, info.task_id)

    def registration_url(self, from_server: str | None) -> str | None:
        """`$WEB/register?bind=<user_id>`, for anonymous users only."""
        user_id = self.user_id
        if from_server:
            bind = parse_qs(urlsplit(from_server).query).get("bind")
            if not bind:
                return from_server
            user_id = bind[0]
        if user_id and user_id.startswith("anon_"):
            return f"{self.config.web_url}/register?bind={user_id}"
        return None
