"""Turns of a channel's writers: never two at once across instances; a dead holder or a lost Redis
delays a writer at most a little and never blocks it; the head its last holder applied comes with it."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from hub.events.turns import RedisTurns


async def test_writers_on_two_instances_never_overlap(redis: Redis) -> None:
    instances = [RedisTurns(redis, kinds=("board",)), RedisTurns(redis, kinds=("board",))]
    inside = 0
    most = 0
    order: list[int] = []

    async def write(number: int) -> None:
        nonlocal inside, most
        async with instances[number % 2].turn("board:b1"):
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.002)
            order.append(number)
            inside -= 1

    await asyncio.gather(*(write(n) for n in range(40)))
    assert most == 1 and sorted(order) == list(range(40))
    assert await redis.get("dejima:turn:board:b1") is None  # given back


async def test_a_lease_left_by_a_dead_holder_delays_but_never_blocks(redis: Redis) -> None:
    await redis.set("dejima:turn:board:b2", "someone-who-died", px=200)
    started = asyncio.get_running_loop().time()
    async with RedisTurns(redis, kinds=("board",)).turn("board:b2"):
        waited = asyncio.get_running_loop().time() - started
    assert 0.1 < waited < 1.0


async def test_without_redis_writers_go_ahead(redis: Redis) -> None:
    broken = Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    entered = False
    try:
        async with RedisTurns(broken, kinds=("board",)).turn("board:b3"):
            entered = True
    finally:
        await broken.aclose()
    assert entered


async def test_the_turn_comes_with_the_head_its_last_holder_applied(redis: Redis) -> None:
    first, second = RedisTurns(redis, kinds=("board",)), RedisTurns(redis, kinds=("board",))
    async with first.turn("board:b4") as turn:
        assert turn.head == 0  # nobody wrote here yet
        turn.head = 7
    async with second.turn("board:b4") as turn:
        assert turn.head == 7
        turn.head = 0  # its commit failed: it has nothing to tell
    async with first.turn("board:b4") as turn:
        assert turn.head == 7


async def test_channels_of_other_kinds_race(redis: Redis) -> None:
    async with RedisTurns(redis, kinds=("board",)).turn("user:u1"):
        assert await redis.keys("dejima:turn*") == []


async def test_the_turn_comes_with_the_events_its_last_holders_logged(redis: Redis) -> None:
    first, second = RedisTurns(redis, kinds=("board",)), RedisTurns(redis, kinds=("board",))
    async with first.turn("board:b5") as turn:
        turn.head = 2
        turn.logged = [(1, "one"), (2, "two")]
    async with second.turn("board:b5", after=1) as turn:
        assert turn.passed == [(2, "two")]  # only what it does not know yet
        turn.head = 3
        turn.logged = [(3, "three")]
    async with first.turn("board:b5", after=1) as turn:
        assert turn.passed == [(2, "two"), (3, "three")]
    async with second.turn("board:b5") as turn:
        assert turn.passed == []  # asked for nothing


async def test_a_holder_whose_lease_ran_out_passes_nothing_on(redis: Redis) -> None:
    first, second = RedisTurns(redis, kinds=("board",)), RedisTurns(redis, kinds=("board",))
    async with first.turn("board:b6") as turn:
        turn.head = 5
        turn.logged = [(5, "stale")]
        await redis.delete("dejima:turn:board:b6")  # its lease ran out meanwhile
    async with second.turn("board:b6", after=1) as turn:
        assert turn.head == 0 and turn.passed == []
