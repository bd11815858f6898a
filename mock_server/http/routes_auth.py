"""POST /api/auth/anonymous-token and POST /api/auth/claim-token.

| method | path | handler |
|---|---|---|
| POST | `/api/auth/anonymous-token` | `anonymous_token` |
| POST | `/api/auth/claim-token` | `claim_token` |
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from mock_server.clock import iso
from mock_server.http.envelopes import ok
from mock_server.http.request import authenticate, client_ip, fake_of, json_object, optional_str

router = APIRouter()


@router.post("/api/auth/anonymous-token")
async def anonymous_token(request: Request) -> Response:
    fake = fake_of(request)
    with fake.service.lock:
        token, account = fake.service.accounts.issue_anonymous(
            request.headers.get("x-client-id"), client_ip(request)
        )
    return ok(
        {
            "token": token.value,
            "user_id": account.user_id,
            "expires_at": None if token.expires_at is None else iso(token.expires_at),
            "credits": account.available,
        }
    )


@router.post("/api/auth/claim-token")
async def claim_token(request: Request) -> Response:
    account = authenticate(request)
    body = await json_object(request)
    fake = fake_of(request)
    with fake.service.lock:
        claim = fake.service.sessions.claim(
            account, optional_str(body, "task_id"), optional_str(body, "session_id")
        )
    return ok(claim)
