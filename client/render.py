"""Export: submit a render, poll it, download the result.

- ids are `render_<ts_ms>_<6 hex>`: the documented `render_<ts>` plus a suffix so two
  exports in the same millisecond cannot collide;
- a duplicate id (409 / "duplicate"), a failed status, or any other submit failure →
  retry once with a new id (documented); the export block (402), credits, auth and
  session errors are not render failures and surface at once;
- polls follow all three documented shapes (data / legacy / compat), every
  `policy.poll_interval` seconds, at most `policy.max_polls` times;
- download from `outputUrl`/`output.url`, falling back to
  `GET /api/render/proxy/<id>/download` with Bearer.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from .actions import Download, Downloaded, Op, ProgressCallback, Sleep
from .core import Core
from .envelope import interpret
from .errors import (
    DownloadFailed,
    DuplicateRenderId,
    NemoError,
    NetworkError,
    NothingToExport,
    RenderError,
    RenderFailed,
    RenderTimeout,
    ServerError,
    TokenInvalid,
)
from .models import ExportResult, RenderStatus
from .turn import read_state

StatusCallback = Callable[[RenderStatus], None]
# Submit failures that a fresh id may cure ("on a duplicate-id error, or any failure").
RETRY_WITH_NEW_ID = (DuplicateRenderId, RenderFailed, RenderError, ServerError, NetworkError)


def new_render_id(core: Core) -> str:
    return f"render_{int(core.wall_clock() * 1000)}_{secrets.token_hex(3)}"


def submit(
    core: Core, draft: dict[str, Any], render_id: str, output: dict[str, Any] | None = None
) -> Op[RenderStatus]:
    session_id = yield from core.ensure_session()
    body = {
        "id": render_id,
        "sessionId": session_id,
        "draft": draft,
        "output": output or {"format": "mp4", "quality": "high"},
    }
    request = core.request("POST", "/api/render/proxy/lambda", json=body)
    data = yield from core.call(request, idempotent=False, session_scoped=True, context="render")
    # Documented answer: {id, status:"pending", progress:5}; a bare `success` is accepted.
    accepted = data if isinstance(data, dict) else {}
    return RenderStatus.from_data({"status": "pending", **accepted}, render_id)


def poll(core: Core, render_id: str) -> Op[RenderStatus]:
    request = core.request("GET", f"/api/render/proxy/lambda/{render_id}")
    data = yield from core.call(request, idempotent=True, context="render")
    return RenderStatus.from_data(data, render_id)


def wait(core: Core, render_id: str, on_status: StatusCallback | None = None) -> Op[RenderStatus]:
    policy = core.policy
    for _ in range(policy.max_polls):
        yield Sleep(policy.poll_interval)
        status = yield from poll(core, render_id)
        if on_status:
            on_status(status)
        if status.status == "completed":
            return status
        if status.done:
            raise RenderFailed(
                f"Render {render_id} {status.status}: {status.error or 'no reason given'}",
                details=status.raw,
            )
    raise RenderTimeout(
        f"Render {render_id} not completed after {policy.max_polls} polls "
        f"({policy.max_polls * policy.poll_interval:g}s); it may still finish"
    )


def download(
    core: Core, status: RenderStatus, path: Path, on_progress: ProgressCallback | None = None
) -> Op[tuple[Downloaded, bool]]:
    """Returns (what was written, whether the proxy fallback was used)."""
    failures: list[str] = []
    if status.output_url:
        url = urljoin(core.config.api_url + "/", status.output_url)
        try:
            return (yield from _fetch(core, url, path, on_progress)), False
        except NemoError as exc:
            failures.append(f"{url}: {exc}")
    proxy = core.url(f"/api/render/proxy/{status.id}/download")
    try:
        return (yield from _fetch(core, proxy, path, on_progress)), True
    except NemoError as exc:
        failures.append(f"proxy: {exc}")
    raise DownloadFailed("Could not download the render — " + "; ".join(failures))


def export(
    core: Core,
    path: Path,
    *,
    draft: dict[str, Any] | None = None,
    output: dict[str, Any] | None = None,
    on_status: StatusCallback | None = None,
    on_progress: ProgressCallback | None = None,
) -> Op[ExportResult]:
    if draft is None:
        state = yield from read_state(core)
        if not state.draft.exportable or state.raw_draft is None:
            raise NothingToExport()
        draft = state.raw_draft
    attempts = 0
    while True:
        attempts += 1
        render_id = new_render_id(core)
        try:
            submitted = yield from submit(core, draft, render_id, output)
            if on_status:
                on_status(submitted)
            final = yield from wait(core, render_id, on_status)
            break
        except RETRY_WITH_NEW_ID:
            if attempts >= 2:
                raise
    written, via_proxy = yield from download(core, final, path, on_progress)
    return ExportResult(
        render_id, written.path, written.bytes, final.output_url, attempts, via_proxy
    )


def _fetch(
    core: Core, url: str, path: Path, on_progress: ProgressCallback | None
) -> Op[Downloaded]:
    """GET a file with the idempotent retry rules; Bearer only to the API's own origin."""
    same_origin = _origin(url) == _origin(core.config.api_url)
    attempt = 0
    reauthed = False
    while True:
        request = core.request("GET", url)
        if same_origin:
            yield from core.ensure_token()
            request = core.authorized(request)
        try:
            result = yield Download(request, path, on_progress)
            if isinstance(result, Downloaded):
                return result
            interpret(result, "render")  # raises the typed error the body carries
            raise DownloadFailed(f"{url} answered JSON instead of a video")
        except TokenInvalid:
            if reauthed or not same_origin:
                raise
            reauthed = True
            yield from core.acquire_token()
            continue
        except (ServerError, NetworkError):
            if attempt >= core.policy.retries:
                raise
        yield Sleep(core.policy.backoff_for(attempt))
        attempt += 1


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc
