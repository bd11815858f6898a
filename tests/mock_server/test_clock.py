import asyncio

import pytest

from mock_server.clock import LATEST, MANUAL_EPOCH, Clock, iso


def test_manual_clock_only_moves_when_advanced() -> None:
    clock = Clock("manual")
    assert clock.now() == MANUAL_EPOCH
    assert clock.advance(90) == MANUAL_EPOCH + 90
    assert clock.now() == MANUAL_EPOCH + 90
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_scaled_clock_runs_faster_than_real_time() -> None:
    clock = Clock("scaled", time_scale=0.001, start=0.0)
    assert clock.real_seconds(300) == pytest.approx(0.3)
    # 0.02 real seconds is 20 API seconds at this scale
    asyncio.run(clock.sleep(20))
    assert clock.now() >= 20


def test_sleep_until_wakes_on_advance_from_another_thread() -> None:
    import threading

    clock = Clock("manual")

    async def main() -> float:
        task = asyncio.ensure_future(clock.sleep_until(MANUAL_EPOCH + 100))
        while clock.sleepers == 0:
            await asyncio.sleep(0)
        threading.Thread(target=clock.advance, args=(50,)).start()
        await asyncio.sleep(0.01)
        assert not task.done()  # 50 s short of the deadline
        clock.advance(50)
        await asyncio.wait_for(task, 1)
        return clock.now()

    assert asyncio.run(main()) == MANUAL_EPOCH + 100


def test_reconfigure_keeps_time_continuous() -> None:
    clock = Clock("manual")
    clock.advance(10)
    clock.reconfigure("scaled", 0.5)
    assert clock.now() >= MANUAL_EPOCH + 10
    assert clock.mode == "scaled"
    with pytest.raises(ValueError):
        Clock("scaled", time_scale=0)


def test_iso() -> None:
    assert iso(MANUAL_EPOCH) == "2026-01-01T00:00:00Z"


def test_advance_to_next_deadline_moves_as_advance_would() -> None:
    async def scenario() -> None:
        jumped, stepped = Clock("manual"), Clock("manual")
        for clock in (jumped, stepped):
            clock.advance(0.1)  # an offset whose float sums round
        assert jumped.advance_to_next_deadline() is None  # nothing waits: no move
        deadline = MANUAL_EPOCH + 0.1 + 2.7
        sleepers = [asyncio.create_task(c.sleep_until(deadline)) for c in (jumped, stepped)]
        await asyncio.sleep(0)
        next_deadline = stepped.next_deadline()
        assert next_deadline is not None
        stepped.advance(next_deadline - stepped.now())
        ahead = jumped.advance_to_next_deadline()
        assert ahead is not None and ahead > 0
        assert jumped.now() == stepped.now()  # the same float, bit for bit
        await asyncio.wait_for(asyncio.gather(*sleepers), 1)  # and the sleeper woke
        late = asyncio.create_task(jumped.sleep_until(jumped.now() + 5))
        await asyncio.sleep(0)
        jumped.advance(10)  # past the sleeper's deadline before it ran again
        assert jumped.advance_to_next_deadline() == 0.0  # already due: no move
        await asyncio.wait_for(late, 1)

    asyncio.run(scenario())


def test_advance_to_next_deadline_stops_at_the_last_writable_instant() -> None:
    async def scenario() -> None:
        clock = Clock("manual")
        sleeper = asyncio.create_task(clock.sleep_until(LATEST + 1))
        await asyncio.sleep(0)
        with pytest.raises(ValueError, match="cannot pass"):
            clock.advance_to_next_deadline()
        assert clock.now() == MANUAL_EPOCH
        sleeper.cancel()

    asyncio.run(scenario())
