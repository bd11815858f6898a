"""Typed errors, one per documented failure, plus the client-side protocol failures.

Every message is scrubbed of tokens. `code` is the business/HTTP code as the server sent
it (None for client-side failures); `status` the HTTP status (None when not HTTP).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nemo_protocol.secrets import mask_text

if TYPE_CHECKING:
    from .models import TurnResult


# Documented lists; `.jpeg` is accepted by the official CLI too.
ACCEPTED_FORMATS: dict[str, list[str]] = {
    "video": ["mp4", "mov", "avi", "webm", "mkv"],
    "image": ["jpg", "jpeg", "png", "gif", "webp"],
    "audio": ["mp3", "wav", "m4a", "aac"],
}


# One class per documented error, alike in shape by design: declarations, not repeated
# logic (a deliberate pair for the duplicates tool).
class NemoError(Exception):
    """Base of everything this client raises on purpose."""

    default_message = "NemoVideo request failed"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: int | None = None,
        status: int | None = None,
        details: Any = None,
    ) -> None:
        self.message = mask_text(message or self.default_message)
        self.code = code
        self.status = status
        self.details = details
        # Set when a turn fails after some events arrived, so callers keep what was said.
        self.turn: TurnResult | None = None
        super().__init__(self.message)

    def __str__(self) -> str:
        tag = f"[{self.code}] " if self.code is not None else ""
        return f"{tag}{self.message}"


class ApiError(NemoError):
    """The server answered with an error the protocol has no specific rule for."""


class TokenInvalid(ApiError):
    """1001: expired or bad token (re-acquired once automatically before this surfaces)."""

    default_message = "Token expired or invalid"


class SessionNotFound(ApiError):
    """1002: the session does not exist (or belongs to another user)."""

    default_message = "Session not found"


class SessionExpired(SessionNotFound):
    """1002 handled: a new session was created; nothing was re-sent into it.

    The caller decides whether to repeat its request (a message, an upload) in
    `new_session_id`; the client already uses the new session for later calls.
    """

    def __init__(
        self, old_session_id: str | None, new_session_id: str, task_id: str | None
    ) -> None:
        super().__init__(
            f"Session {old_session_id} was not found; created new session {new_session_id}. "
            "Nothing was re-sent: repeat the request if you want it in the new session.",
            code=1002,
        )
        self.old_session_id = old_session_id
        self.new_session_id = new_session_id
        self.task_id = task_id


class InsufficientCredits(ApiError):
    """2001. Anonymous users get `registration_url` (`$WEB/register?bind=<user_id>`)."""

    default_message = "Insufficient credits"

    def __init__(self, *args: Any, registration_url: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.registration_url = registration_url

    def __str__(self) -> str:
        base = super().__str__()
        if self.registration_url:
            return f"{base}. Register to get more credits: {self.registration_url}"
        return f"{base}. Top up your credits to continue."


class UnsupportedFileType(ApiError):
    """4001, with the accepted formats by kind."""

    default_message = "Unsupported file type"

    def __init__(
        self, *args: Any, accepted_formats: dict[str, list[str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        # the documented list when the server sends none
        self.accepted_formats = accepted_formats or ACCEPTED_FORMATS

    def __str__(self) -> str:
        formats = "; ".join(
            f"{kind}: {', '.join(exts)}" for kind, exts in self.accepted_formats.items()
        )
        return f"{super().__str__()}. Accepted formats — {formats}"


class FileTooLarge(ApiError):
    """4002, with the limit when the server states it."""

    default_message = "File too large"

    def __init__(self, *args: Any, max_bytes: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_bytes = max_bytes

    def __str__(self) -> str:
        limit = f" (limit {self.max_bytes} bytes)" if self.max_bytes else ""
        return f"{super().__str__()}{limit}. Compress or trim the file and try again."


class BadRequest(ApiError):
    """HTTP 400/422: e.g. missing X-Client-Id or a malformed body."""

    default_message = "Bad request"


class ExportBlocked(ApiError):
    """HTTP 402 on export: a plan/attribution problem, NOT a credits problem."""

    default_message = "Export blocked"

    def __str__(self) -> str:
        return (
            f"{super().__str__()}. This is a plan/attribution problem, not a credits problem: "
            "the free plan cannot export, or the X-Skill-Source/-Version/-Platform headers "
            "were missing. Register (or upgrade) to unlock export."
        )


class RateLimited(ApiError):
    """HTTP 429 that persisted after the documented single wait-30s retry."""

    default_message = "Rate limited"


class ServerError(ApiError):
    """HTTP 5xx (retried with back-off on idempotent calls before this surfaces)."""

    default_message = "Server error"


class NotFound(ApiError):
    default_message = "Not found"


class RenderNotFound(NotFound):
    default_message = "Render job not found"


class Conflict(ApiError):
    default_message = "Conflict"


class DuplicateRenderId(Conflict):
    default_message = "Render id already exists"


class RenderError(ApiError):
    """The render proxy said `success:false` for a reason with no rule of its own."""


class NetworkError(NemoError):
    """The transport failed. `delivered` is False when the request surely never left."""

    default_message = "Network error"

    def __init__(
        self, message: str | None = None, *, delivered: bool = True, timeout: bool = False
    ) -> None:
        super().__init__(message)
        self.delivered = delivered
        self.timeout = timeout


class ProtocolError(NemoError):
    """The server's answer had an unexpected shape."""

    default_message = "Unexpected response from the server"


class TurnError(NemoError):
    """Base of the failures of one /run_sse turn."""


class TurnInProgress(TurnError):
    """A turn is already running in this session: refusing to send a second message."""

    default_message = "A turn is already running in this session; wait for it to finish"


class TurnLost(TurnError):
    """The stream dropped and the state never changed during the recovery window."""

    default_message = "The connection dropped and the turn's outcome could not be confirmed"


class HeartbeatTimeout(TurnError):
    """Only heartbeats (or nothing) for the configured time (documented: 10 minutes)."""

    default_message = "The agent sent only heartbeats for too long"


class AgentError(TurnError):
    """The agent reported an error inside the stream (`{"error":...}`)."""

    default_message = "The agent reported an error"


class RenderFailed(NemoError):
    default_message = "Render failed"


class RenderTimeout(NemoError):
    default_message = "Render did not complete in time"


class NothingToExport(NemoError):
    default_message = "The draft has no track with segments: nothing to export yet"


class DownloadFailed(NemoError):
    default_message = "Could not download the rendered video"
