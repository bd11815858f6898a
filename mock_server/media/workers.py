"""Render jobs off the event loop, with a result cache.

`RenderWorkers(max_workers=2)` runs `render_draft` in a process pool (CPU-bound work on
2 cores). The pool uses the "forkserver" start method where available, else "spawn":
forking a process that runs threads (uvicorn, pytest-xdist, the asyncio default
executor) is unsafe. The forkserver preloads `mock_server.media.render`, so each worker
starts in a few ms after the first; the first job still pays the server's start-up
(~0.3-0.5 s to import numpy/PyAV/Pillow/pydantic). Workers are started lazily on the
first submit; call `warm_up()` to pay that cost early.

`max_workers=0` renders inline in `submit` (tests); `kind="thread"` uses a thread pool
(PyAV releases the GIL while encoding/decoding, so threads are a workable fallback where
subprocesses are not); `pool=` a shared pool (`mock_server.pools`) it does not own:
`shutdown` then cancels only its own queued jobs.

Cache: `submit(key, ...)` with a key already submitted returns the *same* future, so an
identical (draft, output settings) renders once; the result's `path` is that of the first
submission. A failed or cancelled job, or a finished one whose output file has since
been deleted, is dropped and rendered again. The caller computes the key with
`render_key(draft, output)`; include in `output` everything that changes the bytes
(format, canvas size, fps), and note that `assets` is not part of the key.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import threading
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # the module itself (PyAV, numpy, Pillow) is imported by the first job
    from mock_server.media.render import RenderInfo
    from mock_server.pools import SharedPool

PoolKind = Literal["process", "thread"]


def render_key(draft: dict[str, Any], output: dict[str, Any] | None = None) -> str:
    """sha256 hex of the canonical JSON of (draft, output)."""
    canonical = json.dumps(
        {"draft": draft, "output": output or {}},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def run_render(
    draft: dict[str, Any],
    out: str,
    assets: dict[str, str],
    width: int | None,
    height: int | None,
    fmt: str,
    fps: int,
) -> RenderInfo:
    """The job a worker runs: `assets` maps each segment src to a local file path."""
    from mock_server.media.render import render_draft

    def resolve(src: str) -> Path | None:
        local = assets.get(src)
        return Path(local) if local else None

    return render_draft(
        draft, Path(out), resolve=resolve, width=width, height=height, fps=fps, fmt=fmt
    )


def _noop() -> int:
    return 0


def _default_context() -> multiprocessing.context.BaseContext:
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["mock_server.media.render"])
        return ctx
    return multiprocessing.get_context("spawn")


class RenderWorkers:
    def __init__(
        self,
        max_workers: int = 2,
        *,
        kind: PoolKind = "process",
        fps: int = 30,
        mp_context: multiprocessing.context.BaseContext | None = None,
        pool: SharedPool | None = None,
    ) -> None:
        if max_workers < 0:
            raise ValueError(f"max_workers must be >= 0, got {max_workers}")
        self.max_workers = max_workers
        self.kind: PoolKind = kind
        self.fps = fps
        self._mp_context = mp_context
        self._pool: Executor | None = None
        self._shared = pool
        self._cache: dict[str, Future[RenderInfo]] = {}
        self._lock = threading.Lock()
        self._closed = False
        self.renders_started = 0  # jobs actually run (cache misses), for tests and stats

    @property
    def inline(self) -> bool:
        return self.max_workers == 0

    def _executor(self) -> Executor:
        if self._pool is None:
            if self.kind == "thread":
                self._pool = ThreadPoolExecutor(self.max_workers, thread_name_prefix="render")
            else:
                self._pool = ProcessPoolExecutor(
                    self.max_workers, mp_context=self._mp_context or _default_context()
                )
        return self._pool

    def warm_up(self) -> None:
        """Start the pool's workers now rather than on the first render."""
        if self.inline:
            return
        with self._lock:
            self._check_open()
            submit = self._shared.submit if self._shared is not None else self._executor().submit
        for fut in [submit(_noop) for _ in range(self.max_workers)]:
            fut.result()

    def submit(
        self,
        key: str,
        draft: dict[str, Any],
        out: Path,
        assets: dict[str, str],
        width: int | None = None,
        height: int | None = None,
        fmt: str = "mp4",
    ) -> Future[RenderInfo]:
        """Render `draft` to `out` (or return the job already submitted under `key`)."""
        with self._lock:
            self._check_open()
            cached = self._cache.get(key)
            if cached is not None and _reusable(cached):
                return cached
            args = (draft, str(out), dict(assets), width, height, fmt, self.fps)
            self.renders_started += 1
            if self.inline:
                fut: Future[RenderInfo] = Future()
                self._cache[key] = fut
            else:
                fut = self._submit_to_pool(args)
                self._cache[key] = fut
                return fut
        # Inline: run outside the lock, so other keys are not blocked meanwhile.
        try:
            fut.set_result(run_render(*args))
        except BaseException as exc:
            fut.set_exception(exc)
        return fut

    def _submit_to_pool(self, args: tuple[Any, ...]) -> Future[RenderInfo]:
        if self._shared is not None:
            return self._shared.submit(run_render, *args)
        try:
            return self._executor().submit(run_render, *args)
        except BrokenProcessPool:
            # A worker died (OOM, killed): start a fresh pool and retry once.
            broken, self._pool = self._pool, None
            if broken is not None:
                broken.shutdown(wait=False, cancel_futures=True)
            return self._executor().submit(run_render, *args)

    def cached(self, key: str) -> Future[RenderInfo] | None:
        with self._lock:
            return self._cache.get(key)

    def forget(self, key: str) -> None:
        with self._lock:
            self._cache.pop(key, None)

    def clear(self) -> None:
        """Drop the cache (e.g. on /_fake/reset); running jobs keep running."""
        with self._lock:
            self._cache.clear()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
            jobs = list(self._cache.values()) if self._shared is not None else []
        for job in jobs:  # the shared pool lives on: only this instance's queued jobs go
            job.cancel()
        if pool is not None:
            pool.shutdown(wait=wait, cancel_futures=cancel_futures)

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("RenderWorkers is shut down")

    def __enter__(self) -> RenderWorkers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()


def _reusable(fut: Future[RenderInfo]) -> bool:
    if not fut.done():
        return True
    if fut.cancelled() or fut.exception() is not None:
        return False
    return fut.result().path.exists()
