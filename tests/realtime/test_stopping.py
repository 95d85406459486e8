"""Background loops stop when the app stops, even when a cancellation is swallowed on the way
(hub/stopping.py: Python 3.11's ``wait_for``, inside redis-py's pool, can turn one into a normal
return)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random

import pytest
from redis.asyncio import Redis

from hub.stopping import cancel_and_wait


async def _heartbeat(redis: Redis, beating: asyncio.Event) -> None:
    """A loop as the presence heartbeat is: a few Redis calls, then a sleep, for ever (the sleep is
    shorter than the real one's so that the test is quick, and still much longer than the calls)."""
    while True:
        beating.set()
        with contextlib.suppress(Exception):  # a failed beat is retried, as in the real loop
            for _ in range(5):
                await redis.get("heartbeat")
        await asyncio.sleep(0.02)


async def test_loops_on_redis_stop_although_a_cancellation_is_sometimes_swallowed(redis: Redis) -> None:
    rounds = 40
    swallowed = 0
    for _ in range(rounds):
        beating = asyncio.Event()
        task = asyncio.create_task(_heartbeat(redis, beating))
        await beating.wait()
        # A moment in the middle of the Redis calls, where a cancellation can be swallowed. The next
        # ones come 0.05 s later, as the real ones come 1 s later: mostly in the sleep.
        await asyncio.sleep(random.random() * 0.0005)
        await cancel_and_wait([task], again_after_s=0.05, tries=1)  # one cancellation, as before
        if not task.done():
            swallowed += 1  # as before, this loop would never have ended
        await asyncio.wait_for(cancel_and_wait([task], again_after_s=0.05), timeout=5)
        assert task.done()
    # The reason for it all: on Python 3.11 some cancellations are lost (about 4 in 10 measured
    # with redis-py 5.3); where none is, this test only checks that the loops stop.
    logging.getLogger(__name__).warning("cancellations swallowed: %d of %d", swallowed, rounds)


async def test_a_task_that_ignores_every_cancellation_is_left_after_the_last_try(
    caplog: pytest.LogCaptureFixture,
) -> None:
    released = asyncio.Event()

    async def stubborn() -> None:
        while not released.is_set():
            try:
                await asyncio.sleep(0.01)
            except asyncio.CancelledError:
                continue

    task = asyncio.create_task(stubborn(), name="stubborn")
    with caplog.at_level(logging.WARNING, logger="hub.stopping"):
        await asyncio.wait_for(cancel_and_wait([task], again_after_s=0.02, tries=3), timeout=2)
    assert not task.done()  # left running: the caller's shutdown went on
    assert "stubborn did not stop after 3 cancellations" in caplog.text
    released.set()
    await task


async def test_a_loop_that_had_failed_is_reported_once_stopped(caplog: pytest.LogCaptureFixture) -> None:
    async def broken() -> None:
        raise RuntimeError("boom")

    task = asyncio.create_task(broken(), name="broken")
    await asyncio.sleep(0)
    with caplog.at_level(logging.ERROR, logger="hub.stopping"):
        await cancel_and_wait([task])
    assert "task broken had failed" in caplog.text
