"""The worker threads behind every render: shared by every `Fake` in the process,
started on first use, bounded, and shut down when the interpreter exits.

A `Fake` built per test (the `nemo_fake` fixture) used to start pools of its own on its
first export: three thread starts inside the export request, and threads left for the
next test to compete with. Here an export only queues its job. Each `Fake` cancels its
own queued jobs when it closes or resets; a running job finishes unused.

The threads run at a lower scheduling priority (Linux: `nice` per thread), so a render
that is busy on both cores does not slow the requests that follow its submission; and a
job starts `START_AFTER` real seconds after it is queued, so the request that queued it
finishes first instead of handing the GIL to the job at its next system call (a file
check, the event loop's poll) and waiting for it to come back.
"""

from __future__ import annotations

import atexit
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

NICENESS = 5  # added to the worker threads' nice value: requests first, renders next
START_AFTER = 0.003  # real seconds between queueing a job and running it


def _lower_priority() -> None:
    try:  # Linux: PRIO_PROCESS with a thread id sets that thread's nice value alone
        thread = threading.get_native_id()
        nice = os.getpriority(os.PRIO_PROCESS, thread)  # relative: never above the process
        os.setpriority(os.PRIO_PROCESS, thread, min(19, nice + NICENESS))
    except (AttributeError, OSError):  # another platform, or not allowed: same priority
        pass


class SharedPool:
    """A thread pool created on its first `submit` (none at import or `Fake()` time)."""

    def __init__(self, name: str, workers: int) -> None:
        self.name, self.workers = name, workers
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., T], /, *args: Any) -> Future[T]:
        """`fn(*args)` on a worker, `START_AFTER` seconds from now; the job can be
        cancelled until it starts (and is, if the pool shuts down first)."""
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    self.workers, thread_name_prefix=self.name, initializer=_lower_priority
                )
            pool = self._pool
        job: Future[T] = Future()
        queued = pool.submit(_run_later, job, fn, args)
        queued.add_done_callback(lambda done: job.cancel() if done.cancelled() else None)
        return job

    @property
    def started(self) -> bool:
        return self._pool is not None

    def shutdown(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


def _run_later(job: Future[T], fn: Callable[..., T], args: tuple[Any, ...]) -> None:
    time.sleep(START_AFTER)  # off the GIL: the request that queued the job goes on
    if not job.set_running_or_notify_cancel():
        return  # cancelled meanwhile: never run
    try:
        result = fn(*args)
    except BaseException as exc:  # the job's own failure, for whoever waits on it
        job.set_exception(exc)
    else:
        job.set_result(result)


# generated clips and BGM (mock_server.assets), then the encodes (mock_server.render_backend)
SYNTHESIS = SharedPool("nemo-synth", 2)
ENCODING = SharedPool("nemo-render", 2)


@atexit.register
def _shutdown() -> None:
    for pool in (SYNTHESIS, ENCODING):
        pool.shutdown()


def when_all(futures: list[Future[Any]], then: Callable[[], None]) -> None:
    """Call `then()` once every future is done (at once when they all are), in the
    thread that finishes the last one: no thread waits for them."""
    if not futures:
        then()
        return
    left = [len(futures)]
    lock = threading.Lock()

    def one_done(_: Future[Any]) -> None:
        with lock:
            left[0] -= 1
            last = left[0] == 0
        if last:
            then()

    for future in futures:
        future.add_done_callback(one_done)


def chain(source: Future[T], target: Future[T]) -> None:
    """Settle `target` as `source` settles (result, exception or cancellation)."""

    def copy(done: Future[T]) -> None:
        if target.done():
            return
        if done.cancelled():
            target.cancel()
            if not target.cancelled():  # already running: report it as a failure
                target.set_exception(RuntimeError("the render was cancelled"))
            return
        error = done.exception()
        if error is not None:
            target.set_exception(error)
        else:
            target.set_result(done.result())

    source.add_done_callback(copy)
