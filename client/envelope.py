"""Read a reply: return its payload, or raise the typed error it carries.

Three success forms: `{"code":0,"data":...}` (REST), `{"success":true,"data":...}` (render
proxy) and a bare object (legacy render poll). Errors are recognised however they arrive:
HTTP 200 with a non-zero `code`, an HTTP error status with the same envelope (the `mapped`
dialect: 1001→401, 1002→404, 2001→402, 4001→415, 4002→413), the render proxy's
`{"success":false,"error":...,"code":N}`, or FastAPI's `{"detail":...}`. A business code in
the body wins over the HTTP status: HTTP 402 with code 2001 is credits, with 402 (or no
code) it is the export block.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Literal

from . import errors as e

Context = Literal["api", "render"]
BUSINESS_CODES = {1001, 1002, 2001, 4001, 4002}


@dataclass(frozen=True)
class Reply:
    """A complete HTTP answer, as the drivers hand it to the protocol core."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    content: bytes = b""

    def json(self) -> Any:
        """The parsed body, or None when it is empty or not JSON."""
        if not self.content:
            return None
        try:
            return json.loads(self.content)
        except ValueError:
            return None

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


def interpret(reply: Reply, context: Context = "api") -> Any:
    body = reply.json()
    if 200 <= reply.status < 300:
        if not isinstance(body, dict):
            if body is None and reply.content.strip():
                raise e.ProtocolError(
                    f"Expected JSON, got: {reply.text[:200]}", status=reply.status
                )
            return body
        code = _int(body.get("code"))
        if code is not None and code != 0:
            raise error_for(code, body, reply.status, context)
        if body.get("success") is False:
            raise error_for(code, body, reply.status, context)
        if "code" in body or "success" in body:
            return body.get("data", body) if "success" in body else body.get("data")
        return body
    raise error_for(
        _int(body.get("code")) if isinstance(body, dict) else None, body, reply.status, context
    )


def error_for(
    code: int | None, body: Any, status: int | None, context: Context = "api"
) -> e.NemoError:
    """The typed error for a code/status pair; `body` supplies the message and details."""
    message, details = _message_and_details(body, status)
    if code not in BUSINESS_CODES and status is not None and status >= 300:
        code = status if code is None or code == 0 else code
    kwargs: dict[str, Any] = {"code": code, "status": status, "details": details}
    lowered = (message or "").lower()
    match code:
        case 1001 | 401:
            return e.TokenInvalid(message, **kwargs)
        case 1002:
            return e.SessionNotFound(message, **kwargs)
        case 2001:
            return e.InsufficientCredits(
                message, registration_url=_get(details, "registration_url"), **kwargs
            )
        case 4001 | 415:
            return e.UnsupportedFileType(message, accepted_formats=_accepted(details), **kwargs)
        case 4002 | 413:
            return e.FileTooLarge(message, max_bytes=_int(_get(details, "max_bytes")), **kwargs)
        case 400 | 422:
            return e.BadRequest(message, **kwargs)
        case 402:
            return e.ExportBlocked(message, **kwargs)
        case 404:
            if context == "render":
                return e.RenderNotFound(message, **kwargs)
            if "session" in lowered:  # ADK's bare `{"detail":"Session not found"}`
                return e.SessionNotFound(message, **kwargs)
            return e.NotFound(message, **kwargs)
        case 409:
            # Render proxy: a duplicate id. Elsewhere: a busy session (the fake's message
            # also says "re-sending creates duplicates", so "running" is checked first).
            if context == "render":
                return e.DuplicateRenderId(message, **kwargs)
            if "running" in lowered or "busy" in lowered:
                return e.TurnInProgress(message, **kwargs)
            if "duplicate" in lowered or "already exists" in lowered:
                return e.DuplicateRenderId(message, **kwargs)
            return e.Conflict(message, **kwargs)
        case 429:
            return e.RateLimited(message, **kwargs)
    if (code is not None and 500 <= code < 600) or (status is not None and status >= 500):
        return e.ServerError(message, **kwargs)
    if context == "render":
        if "duplicate" in lowered:
            return e.DuplicateRenderId(message, **kwargs)
        return e.RenderError(message, **kwargs)
    return e.ApiError(message, **kwargs)


def _message_and_details(body: Any, status: int | None) -> tuple[str | None, Any]:
    if isinstance(body, dict):
        detail = body.get("detail")
        message = body.get("message") or body.get("error") or body.get("errorMessage")
        if message is None and isinstance(detail, str):
            message = detail
        if message is None and detail is not None:
            message = json.dumps(detail)[:300]
        return (str(message) if message is not None else _reason(status)), body.get("data")
    return _reason(status), None


def _reason(status: int | None) -> str | None:
    if status is None:
        return None
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def _get(details: Any, key: str) -> Any:
    return details.get(key) if isinstance(details, dict) else None


def _accepted(details: Any) -> dict[str, list[str]] | None:
    # ARCHITECTURE names it `accepted_formats`; the fake's domain error uses `accepted`.
    value = _get(details, "accepted_formats") or _get(details, "accepted")
    return value if isinstance(value, dict) else None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None
