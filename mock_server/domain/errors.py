"""Domain errors: each documented failure, with its business code and its HTTP status.

`code` is the envelope's code; `mapped_status` is the HTTP status in the `mapped`
error-status dialect (in `ok200` business codes ride on HTTP 200). `http_only` errors are
documented as plain HTTP statuses and use theirs in every dialect.
"""

from __future__ import annotations

from typing import Any, ClassVar

ACCEPTED_FORMATS = {
    "video": ["mp4", "mov", "avi", "webm", "mkv"],
    "image": ["jpg", "jpeg", "png", "gif", "webp"],
    "audio": ["mp3", "wav", "m4a", "aac"],
}


# One class per documented error, alike in shape by design (code, status, default
# message, the details each documents): declarations, not repeated logic (a deliberate
# pair for the duplicates tool: the classes below read alike).
class FakeError(Exception):
    code: ClassVar[int] = 500
    mapped_status: ClassVar[int] = 500
    http_only: ClassVar[bool] = False
    default_message: ClassVar[str] = "internal error"

    def __init__(self, message: str | None = None, **details: Any) -> None:
        self.message = message or self.default_message
        self.details = details
        super().__init__(self.message)


class TokenInvalid(FakeError):
    code, mapped_status = 1001, 401
    default_message = "Token expired or invalid; request a new one via /api/auth/anonymous-token"


class SessionNotFound(FakeError):
    code, mapped_status = 1002, 404
    default_message = "Session not found"


class InsufficientCredits(FakeError):
    code, mapped_status = 2001, 402
    default_message = "Insufficient credits"


class UnsupportedFileType(FakeError):
    code, mapped_status = 4001, 415
    default_message = "Unsupported file type"

    def __init__(self, message: str | None = None, **details: Any) -> None:
        details.setdefault("accepted_formats", ACCEPTED_FORMATS)
        super().__init__(message, **details)


class FileTooLarge(FakeError):
    code, mapped_status = 4002, 413
    default_message = "File too large"


class BadRequest(FakeError):
    code, mapped_status, http_only = 400, 400, True
    default_message = "Bad request"


class BodyTooLarge(FakeError):
    """A request body past `max_body_bytes` (uploads have their own 4002 limit)."""

    code, mapped_status, http_only = 413, 413, True
    default_message = "Request body too large"


class AdminUnauthorized(FakeError):
    code, mapped_status, http_only = 401, 401, True
    default_message = "The admin API needs Authorization: Bearer <admin token>"


class AdminForbidden(FakeError):
    """A cross-site request to the admin API (a web page driving it from a browser)."""

    code, mapped_status, http_only = 403, 403, True
    default_message = "Cross-site requests to the admin API are refused"


class NotJSON(FakeError):
    code, mapped_status, http_only = 415, 415, True
    default_message = "Send the body as Content-Type: application/json"


class ExportBlocked(FakeError):
    code, mapped_status, http_only = 402, 402, True
    default_message = "Free plan export blocked: register to unlock export (not a credits issue)"


class RateLimited(FakeError):
    code, mapped_status, http_only = 429, 429, True
    default_message = "Too many requests; retry in 30s once"


class RenderNotFound(FakeError):
    code, mapped_status, http_only = 404, 404, True
    default_message = "Render job not found"


class DuplicateRenderId(FakeError):
    code, mapped_status, http_only = 409, 409, True
    default_message = "Render id already exists; retry once with a new id"


class Busy(FakeError):
    """A second message while the session's agent is still running."""

    code, mapped_status, http_only = 409, 409, True
    default_message = "A turn is already running in this session; wait for it to finish"


class InjectedServerError(FakeError):
    code, mapped_status, http_only = 500, 500, True
    default_message = "Injected server error"


BUSINESS_CODES: dict[int, type[FakeError]] = {
    cls.code: cls
    for cls in (
        TokenInvalid,
        SessionNotFound,
        InsufficientCredits,
        UnsupportedFileType,
        FileTooLarge,
    )
}


def injected_error(code: int, upload_max_bytes: int) -> FakeError:
    """The error an injected fault with this code raises: the documented class where the
    code names one (with the details it documents), else a bare HTTP status."""
    if code in BUSINESS_CODES:
        cls = BUSINESS_CODES[code]
        # the details each code documents (4001's list is the class default)
        details = {4002: {"max_bytes": upload_max_bytes}}
        return cls(f"{cls.default_message} (injected fault)", **details.get(code, {}))
    by_status = {
        cls.code: cls
        for cls in (BadRequest, ExportBlocked, RateLimited, RenderNotFound, DuplicateRenderId)
    }
    if code in by_status:
        return by_status[code](f"{by_status[code].default_message} (injected fault)")
    error = InjectedServerError(f"Injected fault: HTTP {code}")
    error.code = error.mapped_status = code  # type: ignore[misc]
    return error
