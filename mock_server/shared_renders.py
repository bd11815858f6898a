"""Renders when several workers share a store: each job is encoded once, by whichever
worker claimed it, into the shared data directory; any worker reports it.

The claiming worker renews its claim every few seconds while it encodes. A worker asked
about a job it is not encoding looks for the output file; if there is none and the claim
went stale (its worker died mid-render), it claims the job and encodes it itself.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from mock_server.assets import Assets
from mock_server.domain.model import Render
from mock_server.domain.stores.shared import SharedStore
from mock_server.render_backend import MediaRenderBackend

RENEW_EVERY = 2.0  # wall seconds


class SharedRenderBackend(MediaRenderBackend):
    def __init__(
        self,
        assets: Assets,
        out_dir: Path,
        store: SharedStore,
        stale_after: Callable[[], float],
        max_side: int | None = None,
    ) -> None:
        super().__init__(assets, out_dir, max_side=max_side)
        self.store = store
        self.stale_after = stale_after  # config.worker_stale_seconds, read when needed
        self.owner = uuid.uuid4().hex
        self._stop = threading.Event()
        self._renewer = threading.Thread(target=self._renew, name="nemo-claims", daemon=True)
        self._renewer.start()

    def _claim_key(self, render: Render) -> str:
        return f"render-claim:{render.render_id}"

    def _write_claim(self, render_id: str) -> None:
        blob = json.dumps({"owner": self.owner, "wall": time.time()}).encode()
        self.store.put_meta(f"render-claim:{render_id}", blob)

    def start(self, render: Render) -> None:
        self._write_claim(render.render_id)
        super().start(render)

    def check(self, render: Render) -> None:
        super().check(render)
        if render.artifact is not None or render.artifact_error is not None:
            return
        if self.pending(render) is not None:
            return  # encoding here
        _key, out = self.output(render)
        if out.is_file():  # another worker finished it (files appear whole: renamed in place)
            render.artifact, render.size = out, out.stat().st_size
            render.media_duration = _duration(out)
            return
        with self.store.lock:
            blob = self.store.meta(self._claim_key(render))
            claim = json.loads(blob) if blob else None  # null: released
            stale = self.stale_after()
            if claim is not None and time.time() - claim["wall"] < stale:
                return  # a live worker is on it
            self.start(render)  # nobody is (the claimant died): encode it here

    def _renew(self) -> None:
        while not self._stop.wait(RENEW_EVERY):
            with self._lock:
                running = [rid for rid, job in self._jobs.items() if not job.done()]
            for render_id in running:
                try:
                    self._write_claim(render_id)
                except Exception:  # the store is unreachable: the claim lapses, as it should
                    pass

    def close(self) -> None:
        """A worker that stops gracefully lets go of its unfinished jobs at once (the
        next worker asked about one encodes it); a killed one's claims go stale."""
        self._stop.set()
        with self._lock:
            running = [rid for rid, job in self._jobs.items() if not job.done()]
        super().close()
        for render_id in running:
            try:
                self.store.put_meta(f"render-claim:{render_id}", b"null")
            except Exception:  # the store is gone too: the claim goes stale instead
                pass


def _duration(path: Path) -> float:
    import av

    with av.open(str(path)) as container:
        return round((container.duration or 0) / 1_000_000, 3)
