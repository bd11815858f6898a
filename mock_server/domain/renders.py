"""Render jobs: submit, poll, cancel; status derived on read from (submit time, duration,
now) and reconciled with the real output file (never `completed` before it exists)."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any, Protocol

from pydantic import ValidationError

from mock_server import rng
from mock_server.domain.context import Context
from mock_server.domain.errors import BadRequest, DuplicateRenderId, ExportBlocked, RenderNotFound
from mock_server.domain.model import Account, Render, RenderStatus
from mock_server.domain.sessions import Sessions
from mock_server.draft import Draft

OUTPUT_FORMATS = ("mp4", "mov")
ATTRIBUTION_HEADERS = ("x-skill-source", "x-skill-version", "x-skill-platform")
PENDING_SHARE = 0.1  # the first tenth of a render is queue time ("pending")
# Every export is encoded for real; a bound keeps a stray draft from occupying the
# encoder for hours (the real service's limit is undocumented).
MAX_RENDER_MS = 10 * 60 * 1000


class RenderBackend(Protocol):
    """Produces the output file. `start` must not block; `check` fills in
    `render.artifact` (and `size`, `media_duration`) or `render.artifact_error`."""

    def start(self, render: Render) -> None: ...
    def check(self, render: Render) -> None: ...
    def forget(self, render: Render) -> None: ...
    def pending(self, render: Render) -> Future[Any] | None: ...
    def close(self) -> None: ...


class Renders:
    def __init__(self, ctx: Context, sessions: Sessions, backend: RenderBackend) -> None:
        self.ctx = ctx
        self.sessions = sessions
        self.backend = backend

    def submit(self, account: Account, body: Any, attribution: dict[str, str]) -> Render:
        if not isinstance(body, dict):
            raise BadRequest("Body must be a JSON object {id, sessionId, draft, output}")
        self._check_export_allowed(account, attribution)
        render_id, session_id, draft = body.get("id"), body.get("sessionId"), body.get("draft")
        if not isinstance(render_id, str) or not render_id.strip() or len(render_id) > 128:
            raise BadRequest("id must be a non-empty string such as render_<timestamp>")
        if not isinstance(session_id, str | int) or isinstance(session_id, bool):
            raise BadRequest("sessionId must be the session id string")
        session = self.sessions.get(account, str(session_id))
        if not isinstance(draft, dict):
            raise BadRequest("draft must be the draft object from the session state")
        output = body.get("output") or {}
        if not isinstance(output, dict):
            raise BadRequest("output must be an object like {format: 'mp4', quality: 'high'}")
        fmt = output.get("format", "mp4")
        if fmt not in OUTPUT_FORMATS:
            raise BadRequest(
                f"Unsupported output.format {fmt!r}; supported: {', '.join(OUTPUT_FORMATS)}"
            )
        try:
            parsed = Draft.parse(draft)
        except ValidationError as exc:
            raise BadRequest(f"Draft is malformed: {_first_error(exc)}") from None
        if not parsed.exportable:
            raise BadRequest(
                "Draft is not exportable: it needs draft.t with at least one non-empty sg"
            )
        if parsed.duration_ms > MAX_RENDER_MS:
            raise BadRequest(
                f"Draft lasts {parsed.duration_ms / 1000:g} s; the fake renders at most "
                f"{MAX_RENDER_MS // 1000} s"
            )
        if self.ctx.store.render(account.user_id, render_id) is not None:
            raise DuplicateRenderId(
                f"Render id {render_id} already exists; retry once with a new id"
            )
        cfg = self.ctx.config
        chance = self.ctx.rng("render", render_id)
        render = Render(
            render_id=render_id,
            user_id=account.user_id,
            session_id=session.session_id,
            draft=draft,
            output={"format": fmt, **{k: v for k, v in output.items() if k != "format"}},
            submitted_at=self.ctx.clock.now(),
            duration=chance.uniform(*cfg.render_seconds),
            will_fail=chance.random() < cfg.render_failure_rate,
            canvas=dict(session.canvas_config),
            public_key=rng.hex_id(self.ctx.secret_rng("render-output", account.user_id), 32),
        )
        self.ctx.store.put_render(render)
        session.render_ids.append(render_id)
        self.ctx.store.put_session(session)
        if not render.will_fail:
            self.backend.start(render)
        return render

    def get(self, account: Account, render_id: str) -> Render:
        render = self.ctx.store.render(account.user_id, render_id)
        if render is None:
            raise RenderNotFound(f"Render job not found: {render_id}")
        return render

    def cancel(self, account: Account, render_id: str) -> Render:
        render = self.get(account, render_id)
        status, _ = self.status(render)
        if status in ("pending", "processing"):
            render.cancelled_at = self.ctx.clock.now()
            self.backend.forget(render)
            self.ctx.store.put_render(render)
        return render

    def status(self, render: Render) -> tuple[RenderStatus, int]:
        now = self.ctx.clock.now()
        at = now if render.cancelled_at is None else render.cancelled_at
        elapsed = at - render.submitted_at
        if render.cancelled_at is not None:
            return "cancelled", _progress(elapsed, render.duration)
        if elapsed < render.duration * PENDING_SHARE:
            return "pending", 5
        if elapsed < render.duration:
            return "processing", _progress(elapsed, render.duration)
        if render.will_fail:
            return "failed", _progress(render.duration * 0.9, render.duration)
        if render.artifact is None and render.artifact_error is None:
            self.backend.check(render)
            if render.artifact is not None or render.artifact_error is not None:
                self.ctx.store.put_render(render)  # what the encoder said, for every worker
        if render.artifact_error is not None:
            return "failed", 99
        if render.artifact is None:
            return "processing", 99  # API time is up but the encoder is not: keep waiting
        if render.ready_at is None:
            # Render time is API time: the job completed when it was due, however long
            # the real encoder made the poll wait (ARCHITECTURE.md, "Render time is API time").
            render.ready_at = render.submitted_at + render.duration
            self.ctx.store.put_render(render)
        return "completed", 100

    def awaiting_encoder(self, render: Render) -> Future[Any] | None:
        """The encode of a job whose API time is up but whose file is not there yet:
        callers await it (bounded) before answering. Under the manual clock API time does
        not flow by itself; under a fast scaled clock it would rush past a client's poll
        budget while the real encoder works (render time is API time)."""
        if render.cancelled_at is not None or render.will_fail:
            return None
        if (
            self.ctx.clock.now() < render.submitted_at + render.duration
            or render.artifact is not None
        ):
            return None
        return self.backend.pending(render)

    def view(self, render: Render) -> dict[str, Any]:
        status, progress = self.status(render)
        view: dict[str, Any] = {
            "id": render.render_id,
            "status": status,
            "progress": progress,
            "createdAt": int(render.submitted_at * 1000),
        }
        if status == "completed" and render.ready_at is not None:
            view["completedAt"] = int(render.ready_at * 1000)
        if status == "failed":
            view["error"] = (
                render.artifact_error or "Render failed: the render node reported an error"
            )
        return view

    def published(self, name: str) -> Render:
        """The render behind a public output name `<render id>-<key>.<format>`."""
        key = name.rpartition(".")[0].rpartition("-")[2]
        render = self.ctx.store.published_render(key) if key else None
        if render is None or render.public_name != name:
            raise RenderNotFound(f"Render output not found: {name}")
        return render

    def artifact(self, account: Account | None, render_id: str) -> Render:
        """A completed render's file: the caller's render `render_id`, or (no account)
        the published render whose public name is `render_id`."""
        render = self.published(render_id) if account is None else self.get(account, render_id)
        status, _ = self.status(render)
        if status != "completed" or render.artifact is None:
            raise RenderNotFound(f"Render {render.render_id} has no output yet (status {status})")
        return render

    def _check_export_allowed(self, account: Account, attribution: dict[str, str]) -> None:
        if account.plan == "free":
            raise ExportBlocked("Free plan export blocked: register or upgrade to unlock export")
        rule = self.ctx.config.attribution_402
        missing = [h for h in ATTRIBUTION_HEADERS if not attribution.get(h)]
        if not missing or rule == "off":
            return
        if rule == "always" or (account.kind == "anonymous" and account.available == 0):
            raise ExportBlocked(
                "Export blocked: missing attribution headers "
                + ", ".join(h.title() for h in missing)
                + " (a plan/attribution problem, not credits)"
            )


def _progress(elapsed: float, duration: float) -> int:
    if duration <= 0:
        return 99
    return max(5, min(99, 5 + int(90 * elapsed / duration)))


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    return f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
