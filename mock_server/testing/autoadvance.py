"""Auto-advance: the manual clock moves by itself, but only when nothing else can happen.

Under the manual clock a stream waits on API time until someone calls `advance`, so a
client that reads `/run_sse` in the same thread would wait forever. Auto-advance jumps
the clock to the *earliest API time a coroutine of the fake waits for*, and only when
the reader has nothing left to read — the way trio's autojump clock works:

- in process (`StreamingTransport(app, advancer=...)`), exactly: the transport jumps
  when its caller waits for a response head or a body chunk, nothing is queued, and the
  app is parked on the clock. API time never runs ahead of the reader, so a run is as
  deterministic as one that advances by hand;
- on a socket (`IdleAdvancer`), approximately: a thread jumps when the server has sent
  and received nothing for `idle` real seconds while a coroutine waits on API time.

Jumps go to the next deadline and no further, so every heartbeat, every event and every
recovery wait happens at its documented API time; a 300 s generation takes
milliseconds. `DeadlineTracker.hold()` pauses auto-advance (e.g. to observe a turn that
is still running).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.clock import Clock

_ATTR = "_nemo_deadline_tracker"
YIELDS = 20  # at most, event-loop turns given to runnable work before the clock may jump
REAL_POLL = 0.0005  # real seconds to wait when the app is busy off the clock (a thread)


class DeadlineTracker:
    """Jumps a clock to the earliest API time its coroutines wait for (the clock records
    every `sleep_until` deadline itself: `Clock.next_deadline`)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._holds = 0
        self.enabled = True
        self.jumps = 0

    @classmethod
    def of(cls, clock: Clock) -> DeadlineTracker:
        """The tracker of `clock` (created and installed on first use)."""
        tracker = getattr(clock, _ATTR, None)
        if tracker is None:
            tracker = cls(clock)
            setattr(clock, _ATTR, tracker)
        return tracker

    @property
    def active(self) -> bool:
        return self.enabled and self._holds == 0 and self.clock.mode == "manual"

    def next_deadline(self) -> float | None:
        return self.clock.next_deadline()

    def waiting(self) -> int:
        return self.clock.sleepers

    def jump(self) -> bool:
        """Advance to the earliest pending deadline. True if a sleeper is (now) due —
        i.e. something will run — False if nothing waits on API time."""
        if not self.active:
            return False
        deadline = self.next_deadline()
        if deadline is None:
            return False
        ahead = deadline - self.clock.now()
        if ahead > 0:
            self.clock.advance(ahead)
            self.jumps += 1
        return True

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """No auto-advance inside the block (the clock moves only by explicit advance())."""
        with self._lock:
            self._holds += 1
        try:
            yield
        finally:
            with self._lock:
                self._holds -= 1

    async def wait(self, ready: Callable[[], bool]) -> None:
        """Wait (on this event loop) until `ready()`; whenever everything runnable has
        run and `ready()` is still false, jump the clock to the next deadline."""
        loop = asyncio.get_running_loop()
        pause = REAL_POLL
        while not ready():
            # nothing ready to run (the app parked on the clock, as between two SSE
            # frames): jump at once, without an idle turn of the loop first
            for _ in range(YIELDS if _runnable(loop) else 0):
                await asyncio.sleep(0)
                if ready():
                    return
                if not _runnable(loop):
                    break  # every callback the loop had has run: the app is parked
            if self.jump():
                pause = REAL_POLL
            else:  # busy in real time (a thread, the encoder), or auto-advance is off
                await asyncio.sleep(pause)
                pause = min(pause * 2, 0.01)


def _runnable(loop: asyncio.AbstractEventLoop) -> bool:
    """Whether the loop has callbacks ready to run (asyncio's own loops say so; for any
    other loop, assume it has, and give it all YIELDS turns)."""
    ready = getattr(loop, "_ready", None)
    return True if ready is None else bool(ready)


class ActivityProbe:
    """ASGI wrapper counting every message sent or received (for IdleAdvancer)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.count = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.count += 1

        async def counted_receive() -> Message:
            message = await receive()
            self.count += 1
            return message

        async def counted_send(message: Message) -> None:
            self.count += 1
            await send(message)

        await self.app(scope, counted_receive, counted_send)


class IdleAdvancer:
    """A thread that jumps the clock when a server has been quiet for `idle` seconds
    while something waits on API time (auto-advance for real sockets)."""

    def __init__(self, tracker: DeadlineTracker, probe: ActivityProbe, idle: float = 0.01) -> None:
        self.tracker, self.probe, self.idle = tracker, probe, idle
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="nemo-fake-advance", daemon=True)

    def start(self) -> IdleAdvancer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        seen: Any = None
        while not self._stop.wait(self.idle):
            count = self.probe.count
            if count == seen and self.tracker.waiting():
                self.tracker.jump()
            seen = count
