"""Envelopes: the REST `{code,message,data}` form, the render proxy `{success,data}` form,
and how each domain error is rendered in the configured error-status dialect."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from mock_server.compact_json import dumps
from mock_server.config import FakeConfig
from mock_server.domain.errors import FakeError

RENDER_PREFIX = "/api/render/proxy"


class JSONBytes(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)


def ok(data: Any) -> JSONBytes:
    return JSONBytes({"code": 0, "message": "success", "data": data})


def proxy_ok(data: Any, extra: dict[str, Any] | None = None) -> JSONBytes:
    return JSONBytes({"success": True, "data": data, **(extra or {})})


def error_status(error: FakeError, config: FakeConfig) -> int:
    if error.http_only or config.error_status == "mapped":
        return error.mapped_status
    return 200


def error_body(error: FakeError, path: str) -> dict[str, Any]:
    if path.startswith(RENDER_PREFIX):
        return {"success": False, "error": error.message, "code": error.code}
    details = error.details or None
    return {"code": error.code, "message": error.message, "data": details}


def error_response(error: FakeError, path: str, config: FakeConfig) -> JSONBytes:
    headers = {"Retry-After": "30"} if error.code == 429 else {}
    if error.code in (413, 4002):
        headers["Connection"] = "close"  # do not read the rest of an oversized body
    return JSONBytes(
        error_body(error, path), status_code=error_status(error, config), headers=headers
    )
