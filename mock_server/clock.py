"""One clock for all API time: real, scaled (time_scale) or manual (tests advance it).

API time is epoch seconds. Nothing in the fake reads `time.time()` directly; jobs derive
their state from (start, duration, clock.now()) on read, and streams wait with
`await clock.sleep_until(t)`, which wakes early when the clock is advanced. The clock
knows every deadline it is waited for (`next_deadline`): auto-advance jumps to it.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Literal

ClockMode = Literal["real", "scaled", "manual"]

# A fixed epoch for the manual clock, so seeded runs print identical timestamps.
MANUAL_EPOCH = 1_767_225_600.0  # 2026-01-01T00:00:00Z


class Clock:
    def __init__(
        self, mode: ClockMode = "real", time_scale: float = 1.0, start: float | None = None
    ) -> None:
        self._lock = threading.Lock()
        # every sleeper: its wake-up future -> (its loop, the API time it waits for)
        self._waiters: dict[asyncio.Future[None], tuple[asyncio.AbstractEventLoop, float]] = {}
        self._configure(mode, time_scale, start)

    def _configure(self, mode: ClockMode, time_scale: float, start: float | None) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be > 0")
        if mode == "real":
            time_scale = 1.0
        self.mode: ClockMode = mode
        self.time_scale = time_scale
        if start is None:
            start = MANUAL_EPOCH if mode == "manual" else time.time()
        self._api_anchor = start
        self._real_anchor = time.monotonic()
        self._offset = 0.0

    def reconfigure(self, mode: ClockMode, time_scale: float, start: float | None = None) -> None:
        """Switch mode keeping API time continuous (unless a new start is given)."""
        with self._lock:
            current = self._now_locked()
            self._configure(mode, time_scale, current if start is None else start)
        self._wake_all()

    def _now_locked(self) -> float:
        if self.mode == "manual":
            return self._api_anchor + self._offset
        elapsed_real = time.monotonic() - self._real_anchor
        return self._api_anchor + elapsed_real / self.time_scale + self._offset

    def now(self) -> float:
        with self._lock:
            return self._now_locked()

    def advance(self, seconds: float) -> float:
        """Move API time forward (any mode); wakes every sleeper. Returns the new now()."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        if self.now() + seconds > LATEST:
            raise ValueError("the clock cannot pass 9999-12-31T23:59:59Z")
        with self._lock:
            self._offset += seconds
            now = self._now_locked()
        self._wake_all()
        return now

    def real_seconds(self, api_seconds: float) -> float | None:
        """Real seconds that `api_seconds` of API time take; None when only advance() moves it."""
        if self.mode == "manual":
            return None
        return max(0.0, api_seconds * self.time_scale)

    def _wake_all(self) -> None:
        with self._lock:
            waiters = list(self._waiters.items())
        here = asyncio._get_running_loop()
        for waiter, (loop, _) in waiters:
            if loop is here:  # this thread's own loop: no wake-up through its self-pipe
                _wake(waiter)
                continue
            try:
                loop.call_soon_threadsafe(_wake, waiter)
            except RuntimeError:  # loop closed: its sleeper is gone
                pass

    async def sleep_until(self, deadline: float) -> None:
        """Return once API time reaches `deadline`: re-checked whenever the clock is
        advanced or reconfigured (and, off the manual clock, when the real time it
        stands for has passed). A bare future per wait: under the manual clock an SSE
        frame costs one of these, so no Event or wait_for around it."""
        loop = asyncio.get_running_loop()
        while True:
            with self._lock:
                remaining = deadline - self._now_locked()
                if remaining <= 0:
                    return
                waiter: asyncio.Future[None] = loop.create_future()
                self._waiters[waiter] = (loop, deadline)
                timeout = self.real_seconds(remaining)
            timer = None if timeout is None else loop.call_later(timeout, _wake, waiter)
            try:
                await waiter
            finally:
                if timer is not None:
                    timer.cancel()
                with self._lock:
                    self._waiters.pop(waiter, None)

    def next_deadline(self) -> float | None:
        """The earliest API time a coroutine waits for (None when none waits)."""
        with self._lock:
            return min((deadline for _, deadline in self._waiters.values()), default=None)

    async def sleep(self, api_seconds: float) -> None:
        await self.sleep_until(self.now() + api_seconds)

    @property
    def sleepers(self) -> int:
        """How many coroutines wait on API time (tests use it to know a stream is parked)."""
        with self._lock:
            return len(self._waiters)


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


LATEST = 253_402_300_799.0  # 9999-12-31T23:59:59Z, the last instant RFC 3339 can write


def iso(epoch: float) -> str:
    """RFC 3339 UTC with a Z, as the API's `expires_at` shows (a later instant, such as a
    long TTL on a far-advanced clock, reads as the last writable one, never an error)."""
    from datetime import UTC, datetime

    return (
        datetime.fromtimestamp(min(epoch, LATEST), UTC)
        .isoformat(timespec="seconds")
        .replace("+00:00", "Z")
    )
