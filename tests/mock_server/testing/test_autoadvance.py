"""Auto-advance in process: API time jumps to each frame's time only when the reader
waits for it (never ahead of the reader), frame for frame, however few loop turns a
frame costs; the stream's journal entry is complete once its end is read."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest

from mock_server.app import build_app
from mock_server.clock import MANUAL_EPOCH, Clock
from mock_server.config import FakeConfig
from mock_server.fake import Fake
from mock_server.testing import StreamingTransport
from mock_server.testing.autoadvance import DeadlineTracker

PROMPT = "make a 10-second video of a sunset"


def _session(client: httpx.Client, fake: Fake) -> tuple[dict[str, str], str]:
    token, account = fake.mint_account(kind="registered", credits=1000)
    with fake.service.lock:
        session = fake.service.sessions.create(account, "project", "en").session_id
    return {"Authorization": f"Bearer {token.value}"}, session


@pytest.mark.parametrize("streaming", [False, True])
def test_the_clock_reaches_each_frame_only_when_the_reader_waits_for_it(
    tmp_path: Path, streaming: bool
) -> None:
    fake = Fake(FakeConfig(clock="manual", seed=7, data_dir=str(tmp_path)))
    tracker = DeadlineTracker.of(fake.clock)
    transport = StreamingTransport(build_app(fake), advancer=tracker)
    seen: list[tuple[float, float | None]] = []  # (API time when read, event timestamp)
    try:
        with httpx.Client(transport=transport, base_url="http://f") as client:
            auth, session = _session(client, fake)
            run = {
                "session_id": session,
                "new_message": {"parts": [{"text": PROMPT}]},
                "streaming": streaming,
            }
            with client.stream("POST", "/run_sse", headers=auth, json=run) as response:
                for chunk in response.iter_raw():
                    data = chunk.decode().removeprefix("data: ").strip()
                    at = json.loads(data)["timestamp"] if data else None  # None: heartbeat
                    seen.append((fake.clock.now(), at))
            entry = fake.journal.entries()[-1]
    finally:
        transport.close()
        fake.close()
    events = [(now, at) for now, at in seen if at is not None]
    assert len(events) > 5 and all(now == at for now, at in events)  # never ahead or behind
    # every frame (heartbeats too) is read at the API time it was sent at
    assert entry.frames is not None and [at for at, _ in entry.frames] == [n for n, _ in seen]
    times = [now for now, _ in seen]
    assert times == sorted(times) and tracker.jumps == len(set(times) - {MANUAL_EPOCH})
    # the end of the body returns once the app has finished the response
    assert entry.completed and entry.status == 200 and entry.events == len(seen)


def test_the_clock_knows_the_earliest_deadline_it_is_waited_for() -> None:
    clock = Clock("manual")

    async def main() -> tuple[float | None, int, float | None, int]:
        late = asyncio.ensure_future(clock.sleep_until(MANUAL_EPOCH + 30))
        early = asyncio.ensure_future(clock.sleep_until(MANUAL_EPOCH + 10))
        await asyncio.sleep(0)
        first, waiting = clock.next_deadline(), clock.sleepers
        clock.advance(10)
        await early
        late.cancel()  # a cancelled sleeper leaves nothing behind
        await asyncio.gather(late, return_exceptions=True)
        return first, waiting, clock.next_deadline(), clock.sleepers

    assert asyncio.run(main()) == (MANUAL_EPOCH + 10, 2, None, 0)


def test_a_sleeper_rechecks_its_deadline_on_every_advance() -> None:
    clock = Clock("manual")
    tracker = DeadlineTracker(clock)

    async def main() -> list[float]:
        sleeper = asyncio.ensure_future(clock.sleep_until(MANUAL_EPOCH + 5))
        await asyncio.sleep(0)
        clock.advance(2)  # woken, not due: waits again for the same deadline
        await asyncio.sleep(0)
        times = [clock.next_deadline() or 0.0]
        await tracker.wait(sleeper.done)  # jumps to the deadline, no further
        times.append(clock.now())
        return times

    assert asyncio.run(main()) == [MANUAL_EPOCH + 5, MANUAL_EPOCH + 5]
    assert tracker.jumps == 1
