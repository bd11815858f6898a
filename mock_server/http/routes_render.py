"""The render proxy: submit, poll (three documented shapes), cancel, download; and the
first version's routes (`/draft`, `/<task_id>`) for the same jobs.

| method | path | handler |
|---|---|---|
| POST | `/api/render/proxy/lambda` | `submit` |
| POST | `/api/render/proxy/draft` | `submit` |
| GET | `/api/render/proxy/lambda/{render_id}` | `poll` |
| GET | `/api/render/proxy/{render_id}` | `poll` |
| POST | `/api/render/proxy/lambda/{render_id}/cancel` | `cancel` |
| GET HEAD | `/api/render/proxy/{render_id}/download` | `download` |
| GET HEAD | `/render-result/{name}` | `render_result` |
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from starlette.responses import Response

from mock_server.domain.model import Account, Render
from mock_server.domain.renders import Renders
from mock_server.http.envelopes import JSONBytes, proxy_ok
from mock_server.http.files import LocalFileResponse
from mock_server.http.request import attribution, authenticate, base_url, fake_of, json_body

router = APIRouter()

MIME = {"mp4": "video/mp4", "mov": "video/quicktime"}
Answer = TypeVar("Answer")


def output_url(request: Request, render: Render) -> str:
    return f"{base_url(request)}/render-result/{render.public_name}"


def poll_body(
    request: Request, render: Render, view: dict[str, Any], dialect: str | None = None
) -> dict[str, Any]:
    """The poll response in the configured dialect (API notes §7, CONFLICT a/b/c)."""
    dialect = dialect or fake_of(request).config.render_poll
    data = dict(view)
    output: dict[str, Any] | None = None
    if view["status"] == "completed":
        data["outputUrl"] = output_url(request, render)
        output = {"url": data["outputUrl"], "duration": render.media_duration, "size": render.size}
    # the v1.9 top-level fields, alone (legacy) or beside the v4.4 `data` (compat)
    top: dict[str, Any] = {
        "taskId": render.render_id,
        "status": view["status"],
        "progress": view["progress"],
    }
    if output:
        top["output"] = output
    if "error" in view:
        top["error"] = view["error"]
    if dialect == "legacy":
        return top
    if dialect == "compat":
        if output:
            data["output"] = output
        return {"success": True, "data": data, **top}
    return {"success": True, "data": data}


# Real seconds a request may wait for the encoder of a job that is due: long under the
# manual clock (nothing else moves time), otherwise under any documented client's request
# timeout (then `processing`, 99%), so that a client polling by count (v1.9: 10 polls) or
# every 10 s (`nemo`) is not outrun by a fast clock while a 1080p encode finishes.
ENCODER_WAIT = {"manual": 300.0, "scaled": 15.0, "real": 15.0}


async def settle(request: Request, render: Render) -> None:
    """Let the real encoder catch up with API time (bounded) before answering."""
    fake = fake_of(request)
    with fake.service.lock:
        job = fake.service.renders.awaiting_encoder(render)
    if job is not None and not job.done():  # a finished encode: nothing to wait for
        # shielded: giving up waiting must not cancel a job still queued for the encoder
        waited = asyncio.shield(asyncio.wrap_future(job))
        with contextlib.suppress(Exception):  # a failure shows as status "failed"
            await asyncio.wait_for(waited, timeout=ENCODER_WAIT[fake.clock.mode])


async def settled_render(request: Request, account: Account, render_id: str) -> Render:
    """The caller's render (404 for anyone else's), once the encoder caught up."""
    fake = fake_of(request)
    with fake.service.lock:
        render = fake.service.renders.get(account, render_id)
    await settle(request, render)
    return render


@router.post("/api/render/proxy/draft")  # the first version's route (API notes §7)
@router.post("/api/render/proxy/lambda")  # decorators apply bottom-up: this one first
async def submit(request: Request) -> Response:
    account = authenticate(request)
    body = await json_body(request)
    fake = fake_of(request)
    with fake.service.lock:
        render = fake.service.renders.submit(account, body, attribution(request))
    # as of the moment of submission (documented), however fast a scaled clock runs
    return proxy_ok({"id": render.render_id, "status": "pending", "progress": 5})


@router.get("/api/render/proxy/{render_id}")  # the first version's route (API notes §7)
@router.get("/api/render/proxy/lambda/{render_id}")
async def poll(request: Request, render_id: str) -> Response:
    render = await settled_render(request, authenticate(request), render_id)
    fake = fake_of(request)
    with fake.service.lock:
        view = fake.service.renders.view(render)
    return JSONBytes(poll_body(request, render, view))


async def _on_settled(
    request: Request, render_id: str, act: Callable[[Renders, Account], Answer]
) -> Answer:
    """`act` on the caller's render once the encoder caught up, under the service lock."""
    account = authenticate(request)
    await settled_render(request, account, render_id)
    fake = fake_of(request)
    with fake.service.lock:
        return act(fake.service.renders, account)


@router.post("/api/render/proxy/lambda/{render_id}/cancel")
async def cancel(request: Request, render_id: str) -> Response:
    def cancelled(renders: Renders, account: Account) -> tuple[Render, dict[str, Any]]:
        render = renders.cancel(account, render_id)
        return render, renders.view(render)

    render, view = await _on_settled(request, render_id, cancelled)
    return JSONBytes(poll_body(request, render, view, dialect="data"))


def _file(render: Render) -> LocalFileResponse:
    assert render.artifact is not None
    fmt = render.output["format"]
    return LocalFileResponse(
        render.artifact,
        media_type=MIME.get(fmt, "application/octet-stream"),
        filename=f"{render.render_id}.{fmt}",
        content_disposition_type="inline",
    )


@router.api_route("/api/render/proxy/{render_id}/download", methods=["GET", "HEAD"])
async def download(request: Request, render_id: str) -> Response:
    return _file(
        await _on_settled(
            request, render_id, lambda renders, account: renders.artifact(account, render_id)
        )
    )


@router.api_route("/render-result/{name}", methods=["GET", "HEAD"])
async def render_result(request: Request, name: str) -> Response:
    """The public, CDN-like output URL: no auth, like a signed static URL; the name holds
    an unguessable key, so knowing a render id is not enough."""
    fake = fake_of(request)
    with fake.service.lock:
        found = fake.service.renders.published(name)
    await settle(request, found)
    with fake.service.lock:
        render = fake.service.renders.artifact(None, name)
    return _file(render)
