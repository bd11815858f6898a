"""Sessions, state and credits: create-session, GET state, GET credits.

| method | path | handler |
|---|---|---|
| POST | `/api/tasks/me/with-session/nemo_agent` | `create_session` |
| GET | `/api/state/nemo_agent/{user}/{session_id}/latest` | `state` |
| GET | `/api/credits/balance/simple` | `credits` |
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from mock_server.domain.errors import BadRequest
from mock_server.http.envelopes import ok
from mock_server.http.request import (
    authenticate,
    authenticate_as,
    fake_of,
    json_object,
    optional_str,
)

router = APIRouter()


@router.post("/api/tasks/me/with-session/nemo_agent")
async def create_session(request: Request) -> Response:
    account = authenticate(request)
    body = await json_object(request, required=False)
    task_name = body.get("task_name", "project")
    if not isinstance(task_name, str):
        raise BadRequest("task_name must be a string")
    language = optional_str(body, "language")
    fake = fake_of(request)
    with fake.service.lock:
        session = fake.service.sessions.create(account, task_name, language)
    return ok(
        {"task_id": session.task_id, "session_id": session.session_id, "user_id": account.user_id}
    )


@router.get("/api/state/nemo_agent/{user}/{session_id}/latest")
async def state(request: Request, user: str, session_id: str) -> Response:
    """`me`, or (before v1.0) the caller's own user id in the path."""
    account = authenticate_as(request, user, session_id)
    fake = fake_of(request)
    with fake.service.read_lock:
        session = fake.service.sessions.get(account, session_id)
        return ok(fake.service.sessions.state_view(session))


@router.get("/api/credits/balance/simple")
async def credits(request: Request) -> Response:
    account = authenticate(request)
    fake = fake_of(request)
    with fake.service.read_lock:
        for session in fake.service.store.sessions_of(account.user_id):
            fake.service.sessions.apply_due(session)  # settle turns that finished meanwhile
        return ok(fake.service.ledger.balance(account))
