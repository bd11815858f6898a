"""The gateway's envelopes and error codes (../shared/gateway-api.md §4, §8).

Success: `{"code":0,"message":"success","data":{...}}` (the render proxy answers
`{"success":true,"data":{...}}`, which the CLI unwraps the same way). Errors always carry
`code` and `message` (the CLI reads both from any non-2xx body) with a real HTTP status:
auth failures are 1010 (missing or unknown token) or 1011 (expired) on HTTP 401, missing
credits 2001, the rest the skill API's codes at their mapped statuses.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec

from starlette.responses import Response

from mock_server.domain.errors import FakeError, TokenInvalid
from mock_server.http.envelopes import JSONBytes

INVALID_TOKEN = 1010
EXPIRED_TOKEN = 1011
AUTH_STATUS = 401

P = ParamSpec("P")


def ok(data: Any) -> JSONBytes:
    return JSONBytes({"code": 0, "message": "success", "data": data})


def proxy_ok(data: Any) -> JSONBytes:
    return JSONBytes({"success": True, "data": data})


def auth_code(error: TokenInvalid) -> tuple[int, str]:
    """The gateway's code and message for a failed token check."""
    if "expired" in error.message.lower():
        return EXPIRED_TOKEN, "Token has expired"
    if "missing" in error.message.lower():
        return INVALID_TOKEN, "Missing authentication token"
    return INVALID_TOKEN, "Invalid authentication token"


def error_parts(error: FakeError) -> tuple[int, int, str]:
    """(HTTP status, code, message) of a domain error on the gateway."""
    if isinstance(error, TokenInvalid):
        code, message = auth_code(error)
        return AUTH_STATUS, code, message
    return error.mapped_status, error.code, error.message


def error_response(error: FakeError) -> JSONBytes:
    status, code, message = error_parts(error)
    headers = {"Retry-After": "30"} if status == 429 else None
    body = {"code": code, "message": message, "data": error.details or None}
    return JSONBytes(body, status_code=status, headers=headers)


def gateway_errors(
    endpoint: Callable[P, Awaitable[Response]],
) -> Callable[P, Awaitable[Response]]:
    """Render the endpoint's domain errors in the gateway's envelope (the app-wide
    handler renders the skill API's)."""

    @functools.wraps(endpoint)
    async def wrapped(*args: P.args, **kwargs: P.kwargs) -> Response:
        try:
            return await endpoint(*args, **kwargs)
        except FakeError as error:
            return error_response(error)

    return wrapped
