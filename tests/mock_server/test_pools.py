"""The render job's worker threads (mock_server.pools): started on first use, shared by
every Fake of the process (an export starts no thread of its own), and each Fake's
close cancels only its own queued work."""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future
from pathlib import Path

from mock_server.assets import Assets
from mock_server.domain.model import MediaFile
from mock_server.domain.store import MemoryStore
from mock_server.pools import NICENESS, SYNTHESIS, SharedPool, chain, when_all


def test_a_pool_starts_on_its_first_job_and_runs_it_at_lower_priority() -> None:
    pool = SharedPool("nemo-test-pool", 1)
    assert not pool.started
    here = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    def where() -> tuple[threading.Thread, int]:
        return threading.current_thread(), os.getpriority(
            os.PRIO_PROCESS, threading.get_native_id()
        )

    try:
        worker, nice = pool.submit(where).result(timeout=30)
        assert pool.started and worker.name.startswith("nemo-test-pool")
        assert worker is not threading.current_thread()
        assert nice == min(19, here + NICENESS)
    finally:
        pool.shutdown()
    assert not pool.started


def test_when_all_calls_once_after_the_last_future() -> None:
    calls: list[str] = []
    futures: list[Future[int]] = [Future(), Future()]
    when_all(futures, lambda: calls.append("then"))
    futures[0].set_result(1)
    assert calls == []
    futures[1].set_exception(ValueError("a failed source still counts as done"))
    assert calls == ["then"]
    when_all([], lambda: calls.append("at once"))
    assert calls == ["then", "at once"]


def test_chain_settles_the_target_as_the_source_settles() -> None:
    source: Future[int] = Future()
    target: Future[int] = Future()
    chain(source, target)
    source.set_result(7)
    assert target.result(timeout=0) == 7

    failing: Future[int] = Future()
    failed: Future[int] = Future()
    chain(failing, failed)
    failing.set_exception(RuntimeError("encoder broke"))
    assert str(failed.exception(timeout=0)) == "encoder broke"

    dropped: Future[int] = Future()
    running: Future[int] = Future()
    assert running.set_running_or_notify_cancel()
    chain(dropped, running)
    dropped.cancel()
    assert "cancelled" in str(running.exception(timeout=0))


def clip(tmp: Path, name: str) -> MediaFile:
    recipe = {"kind": "clip", "prompt": name, "seed": 1, "width": 32, "height": 32}
    return MediaFile(
        media_id=name,
        user_id="u",
        session_id=None,
        filename=f"{name}.mp4",
        path=tmp / f"{name}.mp4",
        file_type="video",
        duration=0.5,
        width=32,
        height=32,
        fps=12,
        hash="",
        size=None,
        source="generated",
        created_at=0.0,
        recipe={**recipe, "seconds": 0.5, "fps": 12},
    )


def test_every_assets_shares_the_synthesis_threads(tmp_path: Path) -> None:
    stores = [Assets(MemoryStore(), max_side=32) for _ in range(4)]
    jobs = [assets.ensure(clip(tmp_path, f"clip{i}")) for i, assets in enumerate(stores)]
    for job in jobs:
        assert job.result(timeout=120).is_file()
    names = [t.name for t in threading.enumerate() if t.name.startswith("nemo-synth")]
    assert 1 <= len(names) <= SYNTHESIS.workers  # bounded, whatever the number of fakes


def test_close_cancels_only_its_own_queued_work(tmp_path: Path) -> None:
    gate = threading.Event()
    blockers = [SYNTHESIS.submit(gate.wait, 30) for _ in range(SYNTHESIS.workers)]
    mine, other = Assets(MemoryStore(), max_side=32), Assets(MemoryStore(), max_side=32)
    try:
        queued = mine.ensure(clip(tmp_path, "mine"))
        kept = other.ensure(clip(tmp_path, "other"))
        mine.close()
        assert queued.cancelled()
        assert not kept.cancelled()
    finally:
        gate.set()
    assert kept.result(timeout=120).is_file()
    assert all(b.result(timeout=30) for b in blockers)


def test_a_job_starts_after_its_request_and_can_be_cancelled_until_then() -> None:
    pool = SharedPool("nemo-test-later", 1)
    ran: list[str] = []
    try:
        gate = threading.Event()
        blocker = pool.submit(gate.wait, 30)
        dropped = pool.submit(ran.append, "dropped")  # queued behind the blocker
        assert dropped.cancel() and dropped.cancelled()
        gate.set()
        assert blocker.result(timeout=30)
        assert pool.submit(ran.append, "kept").result(timeout=30) is None
        failing = pool.submit(int, "not a number")
        assert isinstance(failing.exception(timeout=30), ValueError)
    finally:
        pool.shutdown()
    assert ran == ["kept"]


def test_a_shutdown_cancels_the_jobs_still_queued() -> None:
    pool = SharedPool("nemo-test-shutdown", 1)
    gate, started = threading.Event(), threading.Event()

    def first() -> bool:
        started.set()
        return gate.wait(30)

    running = pool.submit(first)
    queued = pool.submit(gate.wait, 30)
    assert started.wait(30)  # the first job runs, the second waits in the queue
    pool.shutdown()
    gate.set()
    assert queued.cancelled() and running.result(timeout=30)
