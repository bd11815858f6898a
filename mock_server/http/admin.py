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
from mock_server.config import FakeConfig, explain
from mock_server.domain.errors import BadRequest
from mock_server.faults import FaultSpec
from mock_server.http.admin_schema import check_body
from mock_server.http.body import json_body_of
from mock_server.http.envelopes import JSONBytes
from mock_server.http.request import fake_of

router = APIRouter(prefix="/_fake")
ADMIN_MAX_BODY = 1024 * 1024
ADMIN_MAX_DEPTH = 32


async def checked_body(request: Request, schema: str, required: bool = True) -> Any:
    """The JSON body, checked against the contract's request schema first. Its limits are
    fixed: a PATCH of max_body_bytes or max_json_depth cannot lock the admin API out."""
    body = await json_body_of(request, ADMIN_MAX_BODY, ADMIN_MAX_DEPTH, required)
    check_body(schema, body)
    return body


def _validated(model: type[BaseModel], body: Any) -> Any:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise BadRequest(explain(exc)) from None


@router.get("/health")
async def health(request: Request) -> Response:
    fake = fake_of(request)
    return JSONBytes({"status": "ok", "version": __version__, "clock": fake.clock_info()})


@router.post("/reset")
async def reset(request: Request) -> Response:
    body = await checked_body(
        request, "FakeResetRequest", required=False
    )  # no null seed, no unknown keys
    fake_of(request).reset(seed=body.get("seed"))
    return JSONBytes({"status": "reset", "seed": fake_of(request).config.seed})


@router.get("/clock")
async def clock(request: Request) -> Response:
    return JSONBytes(fake_of(request).clock_info())


class Advance(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seconds: float = Field(ge=0, le=10 * 365 * 86400)


@router.post("/clock/advance")
async def advance(request: Request) -> Response:
    spec = _validated(Advance, await checked_body(request, "ClockAdvance"))
    fake = fake_of(request)
    try:
        fake.advance(spec.seconds)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    return JSONBytes(fake.clock_info())


@router.get("/config")
async def get_config(request: Request) -> Response:
    return JSONBytes(config_view(fake_of(request).config))


def config_view(config: FakeConfig) -> dict[str, Any]:
    """The config as the admin API shows it: the admin token itself never leaves."""
    view = config.model_dump(mode="json")
    if view["admin_token"] is not None:
        view["admin_token"] = "…"
    return view


@router.patch("/config")
async def patch_config(request: Request) -> Response:
    fake = fake_of(request)
    changes = await json_body_of(request, ADMIN_MAX_BODY, ADMIN_MAX_DEPTH, True)
    try:
        check_body("FakeConfigPatch", changes)  # {} is no patch
    except BadRequest:
        # a value the model refuses too is refused in the model's words, the ones
        # `nemo-fake serve --<setting>` and NEMO_FAKE_<SETTING> print for it
        if isinstance(changes, dict) and changes:
            try:
                fake.config.patched(changes)
            except ValidationError as exc:
                raise BadRequest(explain(exc)) from None
        raise
    try:
        fake.configure(**changes)
    except ValidationError as exc:
        raise BadRequest(explain(exc)) from None
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    return JSONBytes(config_view(fake.config))


@router.post("/faults")
async def add_fault(request: Request) -> Response:
    spec = _validated(FaultSpec, await checked_body(request, "FaultSpec"))
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
    if limit_raw is not None and not (limit_raw.isdigit() and int(limit_raw) >= 1):
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
    spec = _validated(AccountSpec, await checked_body(request, "AccountRequest", required=False))
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
