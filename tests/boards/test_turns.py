"""Turns of a board's writers: never two at once across instances; a dead holder or a lost Redis
delays a writer at most a little and never blocks it."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from hub.boards.turns import BoardTurns


async def test_writers_on_two_instances_never_overlap(redis: Redis) -> None:
    instances = [BoardTurns(redis), BoardTurns(redis)]
    inside = 0
    most = 0
    order: list[int] = []

    async def write(number: int) -> None:
        nonlocal inside, most
        async with instances[number % 2].turn("b1"):
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.002)
            order.append(number)
            inside -= 1

    await asyncio.gather(*(write(n) for n in range(40)))
    assert most == 1 and sorted(order) == list(range(40))
    assert await redis.get("dejima:board-turn:b1") is None  # given back


async def test_a_lease_left_by_a_dead_holder_delays_but_never_blocks(redis: Redis) -> None:
    await redis.set("dejima:board-turn:b2", "someone-who-died", px=200)
    started = asyncio.get_running_loop().time()
    async with BoardTurns(redis).turn("b2"):
        waited = asyncio.get_running_loop().time() - started
    assert 0.1 < waited < 1.0


async def test_without_redis_writers_go_ahead(redis: Redis) -> None:
    broken = Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    entered = False
    try:
        async with BoardTurns(broken).turn("b3"):
            entered = True
    finally:
        await broken.aclose()
    assert entered
