"""The gateway's HTTP routes, as the official CLI (`nemovideo-tools`) calls them
(../shared/gateway-api.md §5): projects, the frontend state, uploads, token check,
billing and the render proxy, on the same core as the skill API.

| method | path | handler |
|---|---|---|
| POST | `/auth/verify` | `verify` |
| GET POST | `/projects` | `projects` |
| GET | `/projects/{project_id}` | `get_project` |
| GET | `/projects/{project_id}/sessions` | `project_sessions` |
| GET | `/api/v1/state/frontend/{project_id}` | `project_state` |
| POST | `/files/upload` | `upload` |
| GET | `/billing/balance` | `balance` |
| GET | `/billing/usage/conversations` | `usage` |
| POST | `/services/v1/render-proxy/lambda` | `submit_render` |
| GET | `/services/v1/render-proxy/lambda/{render_id}` | `poll_render` |
| GET | `/services/v1/render-proxy/{project_id}/download` | `download` |
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from mock_server.clock import iso
from mock_server.domain.errors import BadRequest, RenderNotFound
from mock_server.domain.model import Account, Render, Session
from mock_server.gateway import billing
from mock_server.gateway.projects import (
    DEFAULT_NAME,
    find_project,
    frontend_state,
    project_view,
    projects_of,
    session_view,
)
from mock_server.gateway.wire import gateway_errors, ok, proxy_ok
from mock_server.http.multipart import receive_form
from mock_server.http.request import (
    attribution,
    authenticate,
    fake_of,
    json_body,
    json_object,
    optional_str,
)
from mock_server.http.routes_render import output_url, poll_body, settle, settled_render
from mock_server.http.routes_upload import ingest

if TYPE_CHECKING:
    from mock_server.fake import Fake

router = APIRouter()


# --- auth ---------------------------------------------------------------------------------


@router.post("/auth/verify")
@gateway_errors
async def verify(request: Request) -> Response:
    body = await json_object(request)
    token = optional_str(body, "token")  # missing or empty: 401 "Missing authentication token"
    fake = fake_of(request)
    with fake.service.lock:
        account = fake.service.accounts.authenticate(f"Bearer {token}" if token else None)
    return ok({"user_id": account.user_id, "email": None, "balance": account.available})


# --- projects -----------------------------------------------------------------------------


@router.api_route("/projects", methods=["GET", "POST"])
@gateway_errors
async def projects(request: Request) -> Response:
    """GET lists the caller's projects, POST creates one (one route, so a 405 lists both)."""
    account = authenticate(request)
    fake = fake_of(request)
    if request.method == "GET":
        with fake.service.lock:
            listed = [project_view(s) for s in projects_of(fake.service, account)]
        return ok({"projects": listed, "count": len(listed)})
    body = await json_object(request, required=False)
    name = optional_str(body, "name") or DEFAULT_NAME
    create_session = body.get("create_session", True)
    if not isinstance(create_session, bool):
        raise BadRequest("create_session must be true or false")
    with fake.service.lock:
        session = fake.service.sessions.create(account, name, None)
        view = project_view(session)
        session_data = session_view(session, fake.clock.now()) if create_session else None
    return ok({**view, "session": session_data})


def _answer(request: Request, view: Callable[[Fake, Account], Any]) -> Response:
    """`view` of the caller's account, read under the service lock."""
    account = authenticate(request)
    fake = fake_of(request)
    with fake.service.lock:
        return ok(view(fake, account))


def _project_answer(
    request: Request, project_id: str, view: Callable[[Fake, Session], Any]
) -> Response:
    """`view` of the caller's project (404 for an unknown or another user's)."""
    return _answer(
        request, lambda fake, account: view(fake, find_project(fake.service, account, project_id))
    )


@router.get("/projects/{project_id}")
@gateway_errors
async def get_project(request: Request, project_id: str) -> Response:
    return _project_answer(request, project_id, lambda _fake, session: project_view(session))


@router.get("/projects/{project_id}/sessions")
@gateway_errors
async def project_sessions(request: Request, project_id: str) -> Response:
    def sessions(fake: Fake, session: Session) -> dict[str, Any]:
        return {"sessions": [session_view(session, fake.clock.now())], "count": 1}

    return _project_answer(request, project_id, sessions)


@router.get("/api/v1/state/frontend/{project_id}")
@gateway_errors
async def project_state(request: Request, project_id: str) -> Response:
    return _project_answer(
        request, project_id, lambda fake, session: frontend_state(fake.service, session)
    )


# --- uploads ------------------------------------------------------------------------------


@router.post("/files/upload")
@gateway_errors
async def upload(request: Request) -> Response:
    account = authenticate(request)
    fake = fake_of(request)
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise BadRequest("Send multipart/form-data with a 'file' part and a 'session_id' field")
    files, fields = await receive_form(request, fake.data_dir / "tmp", fake.config.upload_max_bytes)
    session_id = fields.get("session_id", "").strip()
    try:
        if len(files) != 1:
            raise BadRequest(f"Send exactly one 'file' part (got {len(files)})")
        if not session_id:
            raise BadRequest("session_id form field is required")
        with fake.service.lock:
            session = fake.service.sessions.get(account, session_id)
    except Exception:
        for f in files:
            f.path.unlink(missing_ok=True)
        raise
    info = (await ingest(request, account, session, files))[0]
    with fake.service.lock:
        media_id = next(
            v["id"] for v in reversed(session.video_infos) if v["cdn_url"] == info["cdn_url"]
        )
    return ok({"file_id": media_id, "filename": info["filename"], "url": info["cdn_url"], **info})


# --- billing ------------------------------------------------------------------------------


@router.get("/billing/balance")
@gateway_errors
async def balance(request: Request) -> Response:
    return _answer(request, lambda fake, account: billing.balance(fake.service, account))


@router.get("/billing/usage/conversations")
@gateway_errors
async def usage(request: Request) -> Response:
    query = dict(request.query_params)
    return _answer(request, lambda fake, account: billing.usage_page(fake.service, account, query))


# --- render proxy -------------------------------------------------------------------------


@router.post("/services/v1/render-proxy/lambda")
@gateway_errors
async def submit_render(request: Request) -> Response:
    account = authenticate(request)
    body = await json_body(request)
    output = body.get("output") if isinstance(body, dict) else None
    if isinstance(output, dict):  # the CLI's encoder settings: checked, then kept as given
        if not isinstance(output.get("codec", ""), str):
            raise BadRequest("output.codec must be a string such as 'h264'")
        crf = output.get("crf", 23)
        if not isinstance(crf, int) or isinstance(crf, bool) or not 0 <= crf <= 51:
            raise BadRequest("output.crf must be an integer from 0 to 51")
    fake = fake_of(request)
    with fake.service.lock:
        render = fake.service.renders.submit(account, body, attribution(request))
    return proxy_ok({"id": render.render_id, "status": "pending", "progress": 5})


@router.get("/services/v1/render-proxy/lambda/{render_id}")
@gateway_errors
async def poll_render(request: Request, render_id: str) -> Response:
    render = await settled_render(request, authenticate(request), render_id)
    fake = fake_of(request)
    with fake.service.lock:
        view = fake.service.renders.view(render)
    return proxy_ok(poll_body(request, render, view, dialect="data")["data"])


async def latest_output(request: Request, account: Account, project_id: str) -> Render:
    """The project's newest export that has its file (404 when it has none)."""
    fake = fake_of(request)
    with fake.service.lock:
        session = find_project(fake.service, account, project_id)
        renders = [
            fake.service.store.render(account.user_id, r) for r in reversed(session.render_ids)
        ]
    for render in renders:
        if render is None:
            continue
        await settle(request, render)
        with fake.service.lock:
            if fake.service.renders.status(render)[0] == "completed":
                return render
    raise RenderNotFound(f"Project {project_id} has no finished export yet; export it first")


@router.get("/services/v1/render-proxy/{project_id}/download")
@gateway_errors
async def download(request: Request, project_id: str) -> Response:
    account = authenticate(request)
    render = await latest_output(request, account, project_id)
    data: dict[str, Any] = {
        "render_id": render.render_id,
        "status": "completed",
        "output": {
            "url": output_url(request, render),
            "size": render.size,
            "duration": render.media_duration,
        },
        "completedAt": iso(render.ready_at or render.submitted_at),
    }
    return proxy_ok(data)
