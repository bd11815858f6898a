"""`Operations`: every NemoVideo operation as a sans-IO generator.

The sync `NemoClient` and the async `AsyncNemoClient` are drivers of this one class: they
perform the actions it yields (see `actions.py`) and nothing else, so each protocol rule
exists exactly once — request rules in `core.py`, turn rules in `turn.py`, export rules
in `render.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path, PurePath
from typing import Any, TypedDict, Unpack

from . import render, turn
from .actions import Downloaded, Op, ProgressCallback
from .core import Core, detect_language
from .errors import NemoError, NothingToExport, ProtocolError
from .models import (
    Credits,
    ExportResult,
    GenerateResult,
    RenderStatus,
    SessionState,
    TurnResult,
    UploadResult,
)
from .render import StatusCallback

# The MIME type sent for each accepted extension (errors.ACCEPTED_FORMATS).
MIME_TYPES: dict[str, str] = {
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "avi": "video/x-msvideo",
    "webm": "video/webm",
    "mkv": "video/x-matroska",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "m4a": "audio/mp4",
    "aac": "audio/aac",
}

# Unknown types still go to the server: it owns the 4001 decision, the client only labels.
FALLBACK_MIME = "application/octet-stream"


def mime_type(filename: str) -> str:
    return MIME_TYPES.get(PurePath(filename).suffix.lower().lstrip("."), FALLBACK_MIME)


# The keyword options of `export` and `generate`, which the drivers hand on unchanged.
class ExportCallbacks(TypedDict, total=False):
    on_status: StatusCallback | None
    on_progress: ProgressCallback | None


class ExportOptions(ExportCallbacks, total=False):
    draft: dict[str, Any] | None
    output: dict[str, Any] | None


class GenerateOptions(ExportCallbacks, total=False):
    language: str | None
    new_session: bool


class Operations(Core):
    def send_message(self, text: str) -> Op[TurnResult]:
        return turn.run_turn(self, text)

    def get_state(self) -> Op[SessionState]:
        return turn.read_state(self)

    def credits(self) -> Op[Credits]:
        request = self.request("GET", "/api/credits/balance/simple")
        data = yield from self.call(request, idempotent=True)
        return Credits.from_data(data)

    def upload_files(self, paths: Sequence[str | Path]) -> Op[UploadResult]:
        files: list[tuple[str, Any, str]] = []
        for raw in paths:
            path = Path(raw)
            if not path.is_file():
                raise NemoError(f"No such file: {path}")
            files.append(("files", path, mime_type(path.name)))
        if not files:
            raise NemoError("Nothing to upload")
        session_id = yield from self.ensure_session()
        request = self.request("POST", f"/api/upload-video/nemo_agent/me/{session_id}", files=files)
        data = yield from self.call(request, idempotent=False, session_scoped=True)
        return UploadResult.from_data(data)

    def upload_urls(self, urls: Sequence[str]) -> Op[UploadResult]:
        if not urls:
            raise NemoError("Nothing to upload")
        session_id = yield from self.ensure_session()
        request = self.request(
            "POST",
            f"/api/upload-video/nemo_agent/me/{session_id}",
            json={"urls": list(urls), "source_type": "url"},
        )
        data = yield from self.call(request, idempotent=False, session_scoped=True)
        return UploadResult.from_data(data)

    def submit_render(
        self,
        draft: dict[str, Any],
        render_id: str | None = None,
        output: dict[str, Any] | None = None,
    ) -> Op[RenderStatus]:
        return render.submit(self, draft, render_id or render.new_render_id(self), output)

    def poll_render(self, render_id: str) -> Op[RenderStatus]:
        return render.poll(self, render_id)

    def wait_render(
        self, render_id: str, on_status: StatusCallback | None = None
    ) -> Op[RenderStatus]:
        return render.wait(self, render_id, on_status)

    def download_render(
        self,
        status: RenderStatus,
        path: str | Path,
        on_progress: ProgressCallback | None = None,
    ) -> Op[Downloaded]:
        written, _ = yield from render.download(self, status, Path(path), on_progress)
        return written

    def export(self, path: str | Path, **options: Unpack[ExportOptions]) -> Op[ExportResult]:
        return render.export(self, Path(path), **options)

    def claim_link(self) -> Op[str]:
        """POST /api/auth/claim-token → `$WEB/workspace/claim?ct=<claim_token>`."""
        session_id = yield from self.ensure_session()
        if not self.task_id:
            # A session taken from the env/state file: its task id is in the state.
            state = yield from self.get_state()
            self.task_id = state.task_id
        request = self.request(
            "POST",
            "/api/auth/claim-token",
            json={"task_id": self.task_id, "session_id": session_id},
        )
        data = yield from self.call(request, idempotent=False, session_scoped=True)
        claim = data.get("claim_token") if isinstance(data, dict) else None
        if not isinstance(claim, str) or not claim:
            raise ProtocolError("claim-token answer has no data.claim_token")
        return f"{self.config.web_url}/workspace/claim?ct={claim}"

    def generate(
        self,
        prompt: str,
        path: str | Path,
        *,
        language: str | None = None,
        new_session: bool = True,
        on_status: StatusCallback | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> Op[GenerateResult]:
        """The seeds' whole flow: token → session → message → turn → export → download."""
        yield from self.ensure_token()
        if new_session or not self.session_id:
            yield from self.create_session(language or self.language or detect_language(prompt))
        result = yield from self.send_message(prompt)
        state = result.state or (yield from self.get_state())
        if not state.draft.exportable or state.raw_draft is None:
            raise NothingToExport(
                "The turn ended without an exportable timeline"
                + (f": {result.text[:200]}" if result.text else "")
            )
        exported = yield from self.export(
            path, draft=state.raw_draft, on_status=on_status, on_progress=on_progress
        )
        return GenerateResult(result, exported)
