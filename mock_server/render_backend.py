"""Wires the domain's render jobs to real encoding: sources resolved (generated media
synthesized first), then mock_server.media renders off the event loop. Identical
(draft, output, canvas) renders are encoded once and share one file.

The export request only queues work on the process's shared pools (mock_server.pools):
the encode is submitted by a callback when the last source is ready, so no thread waits
for the synthesis."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING

from mock_server.assets import Assets, capped
from mock_server.domain.model import Render
from mock_server.media.workers import RenderWorkers, render_key
from mock_server.pools import ENCODING, chain, when_all

if TYPE_CHECKING:
    from mock_server.media.render import RenderInfo


class MediaRenderBackend:
    def __init__(
        self, assets: Assets, out_dir: Path, workers: int = 2, max_side: int | None = None
    ) -> None:
        self.assets = assets
        self.max_side = max_side
        self.out_dir = out_dir
        # threads: PyAV and numpy release the GIL while encoding, and no pool start-up
        self.workers = RenderWorkers(max_workers=workers, kind="thread", pool=ENCODING)
        self._jobs: dict[str, Future[RenderInfo]] = {}
        self._lock = threading.Lock()

    def output(self, render: Render) -> tuple[str, Path]:
        """The render's cache key and output file: identical renders share one file."""
        width, height = self._canvas(render)
        fmt = str(render.output.get("format", "mp4"))
        key = render_key(render.draft, {**render.output, "canvas": [width, height]})
        return key, self.out_dir / f"{key}.{fmt}"

    def start(self, render: Render) -> None:
        sources = self.assets.sources(render.draft, render.user_id, render.session_id)
        pending = {src: self.assets.ensure(media) for src, media in sources.items()}
        width, height = self._canvas(render)
        fmt = str(render.output.get("format", "mp4"))
        key, out = self.output(render)

        job: Future[RenderInfo] = Future()

        def encode() -> None:  # every source is ready (or failed)
            if not job.set_running_or_notify_cancel():
                return  # forgotten before its sources were ready: never encoded
            try:
                assets = {
                    src: str(fut.result())
                    for src, fut in pending.items()
                    # a source that cannot be made renders as black/silence
                    if not fut.cancelled() and fut.exception() is None
                }
                self.out_dir.mkdir(parents=True, exist_ok=True)
                encoded = self.workers.submit(key, render.draft, out, assets, width, height, fmt)
            except BaseException as exc:  # e.g. the fake closed meanwhile
                job.set_exception(exc)
                return
            chain(encoded, job)

        with self._lock:
            self._jobs[render.render_id] = job
        when_all(list(pending.values()), encode)

    def _canvas(self, render: Render) -> tuple[int | None, int | None]:
        """The draft's own size (m.width/height), else the session's canvas; capped."""
        meta = render.draft.get("m")
        for source in (meta if isinstance(meta, dict) else {}, render.canvas):
            width, height = source.get("width"), source.get("height")
            if isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0:
                return capped(width, height, self.max_side)
        return None, None

    def check(self, render: Render) -> None:
        with self._lock:
            job = self._jobs.get(render.render_id)
        if job is None or not job.done():
            return
        error = job.exception()
        if error is not None:
            render.artifact_error = f"Render failed: {error}"
            return
        info = job.result()
        render.artifact, render.size, render.media_duration = (
            info.path,
            info.size,
            round(info.duration, 3),
        )

    def pending(self, render: Render) -> Future[RenderInfo] | None:
        with self._lock:
            return self._jobs.get(render.render_id)

    def forget(self, render: Render) -> None:
        with self._lock:
            job = self._jobs.pop(render.render_id, None)
        if job is not None:
            job.cancel()  # a queued job never starts; a running one finishes unused

    def close(self) -> None:
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:  # waiting for sources: never encoded
            job.cancel()
        self.workers.shutdown(wait=False, cancel_futures=True)
