"""What a handler reads from a request: the fake, the caller's account, the base URL, the body."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from mock_server.domain.errors import BadRequest, SessionNotFound
from mock_server.domain.model import Account
from mock_server.fake import Fake
from mock_server.http.body import json_body_of


def fake_of(request: Request) -> Fake:
    fake: Fake = request.app.state.fake
    return fake


def authenticate(request: Request) -> Account:
    fake = fake_of(request)
    with fake.service.read_lock:
        account = fake.service.accounts.authenticate(request.headers.get("authorization"))
    entry = request.scope.get("nemo.journal")
    if entry is not None:
        entry.user_id = account.user_id
    return account


def authenticate_as(request: Request, user: str, session_id: str) -> Account:
    """The caller, on routes whose path names a user: `me` (v1.0 on), or the caller's own
    user id as earlier versions wrote it. Another user's id is "not found", exactly as
    another user's session is (the same 1002 and message)."""
    account = authenticate(request)
    if user not in ("me", account.user_id):
        raise SessionNotFound(f"Session not found: {session_id}")
    return account


def base_url(request: Request) -> str:
    configured = fake_of(request).config.public_url
    return (configured or str(request.base_url)).rstrip("/")


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def attribution(request: Request) -> dict[str, str]:
    return {
        name: request.headers.get(name, "")
        for name in ("x-skill-source", "x-skill-version", "x-skill-platform")
    }


async def json_body(request: Request, *, required: bool = True) -> Any:
    config = fake_of(request).config
    return await json_body_of(request, config.max_body_bytes, config.max_json_depth, required)


async def json_object(request: Request, *, required: bool = True) -> dict[str, Any]:
    """The body as a JSON object (an absent optional body is `{}`)."""
    body = await json_body(request, required=required)
    if not isinstance(body, dict):
        raise BadRequest("Body must be a JSON object")
    return body


def optional_str(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequest(f"{key} must be a string")
    return value
