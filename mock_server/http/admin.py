"""The admin API under /_fake/: health, reset, clock, config, faults, journal, accounts.
Every operation here is also a method of the Python `Fake` object.

| method | path | handler |
|---|---|---|
| GET | `/_fake/health` | `health` |
| POST | `/_fake/reset` | `reset` |
| GET | `/_fake/clock` | `clock` |
| POST | `/_fake/clock/advance` | `advance` |
| GET | `/_fake/config` | `get_config` |
| PATCH | `/_fake/config` | `patch_config` |
| POST | `/_fake/faults` | `add_fault` |
| GET | `/_fake/faults` | `list_faults` |
| DELETE | `/_fake/faults` | `clear_faults` |
| DELETE | `/_fake/faults/{fault_id}` | `delete_fault` |
| GET | `/_fake/requests` | `requests` |
| DELETE | `/_fake/requests` | `clear_requests` |
| POST | `/_fake/accounts` | `accounts` |
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.responses import Response

from mock_server import __version__
from mock_server.clock import iso
from mock_server.domain.errors import BadRequest
from mock_server.faults import FaultSpec
from mock_server.http.envelopes import JSONBytes
from mock_server.http.request import fake_of, json_body, require_object

router = APIRouter(prefix="/_fake")


def _validated(model: type[BaseModel], body: Any) -> Any:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise BadRequest(_explain(exc)) from None


def _explain(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
    )


@router.get("/health")
async def health(request: Request) -> Response:
    fake = fake_of(request)
    return JSONBytes({"status": "ok", "version": __version__, "clock": fake.clock_info()})


@router.post("/reset")
async def reset(request: Request) -> Response:
    body = require_object(await json_body(request, required=False), "Body")
    seed = body.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise BadRequest("seed must be an integer")
    fake_of(request).reset(seed=seed)
    return JSONBytes({"status": "reset", "seed": fake_of(request).config.seed})


@router.get("/clock")
async def clock(request: Request) -> Response:
    return JSONBytes(fake_of(request).clock_info())


class Advance(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seconds: float = Field(ge=0, le=10 * 365 * 86400)


@router.post("/clock/advance")
async def advance(request: Request) -> Response:
    spec = _validated(Advance, await json_body(request))
    fake = fake_of(request)
    fake.advance(spec.seconds)
    return JSONBytes(fake.clock_info())


@router.get("/config")
async def get_config(request: Request) -> Response:
    return JSONBytes(fake_of(request).config.model_dump(mode="json"))


@router.patch("/config")
async def patch_config(request: Request) -> Response:
    changes = require_object(await json_body(request), "Body")
    fake = fake_of(request)
    try:
        fake.configure(**changes)
    except ValidationError as exc:
        raise BadRequest(_explain(exc)) from None
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    return JSONBytes(fake.config.model_dump(mode="json"))


@router.post("/faults")
async def add_fault(request: Request) -> Response:
    spec = _validated(FaultSpec, await json_body(request))
    fault = fake_of(request).faults.add(spec)
    return JSONBytes(fault.to_dict(), status_code=201)


@router.get("/faults")
async def list_faults(request: Request) -> Response:
    return JSONBytes({"faults": [f.to_dict() for f in fake_of(request).faults.list()]})


@router.delete("/faults")
async def clear_faults(request: Request) -> Response:
    fake_of(request).faults.clear()
    return JSONBytes({"faults": []})


@router.delete("/faults/{fault_id}")
async def delete_fault(request: Request, fault_id: str) -> Response:
    if not fake_of(request).faults.remove(fault_id):
        return JSONBytes(
            {"code": 404, "message": f"No fault {fault_id}", "data": None}, status_code=404
        )
    return JSONBytes({"deleted": fault_id})


@router.get("/requests")
async def requests(request: Request) -> Response:
    q = request.query_params
    limit_raw = q.get("limit")
    if limit_raw is not None and not limit_raw.isdigit():
        raise BadRequest("limit must be a positive integer")
    entries = fake_of(request).journal.entries(
        method=q.get("method"), path=q.get("path"), limit=int(limit_raw) if limit_raw else None
    )
    return JSONBytes({"requests": [e.to_dict() for e in entries]})


@router.delete("/requests")
async def clear_requests(request: Request) -> Response:
    fake_of(request).journal.clear()
    return JSONBytes({"requests": []})


class AccountSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field("anonymous", pattern="^(anonymous|registered)$")
    credits: int | None = Field(None, ge=0)
    plan: str | None = Field(None, pattern="^(anonymous|free|pro)$")
    scopes: list[str] | None = None
    client_id: str | None = Field(None, max_length=64)


@router.post("/accounts")
async def accounts(request: Request) -> Response:
    spec = _validated(AccountSpec, await json_body(request, required=False) or {})
    fake = fake_of(request)
    token, account = fake.mint_account(**spec.model_dump())
    return JSONBytes(
        {
            "token": token.value,
            "user_id": account.user_id,
            "kind": account.kind,
            "credits": account.available,
            "plan": account.plan,
            "scopes": account.scopes,
            "expires_at": None if token.expires_at is None else iso(token.expires_at),
        },
        status_code=201,
    )
