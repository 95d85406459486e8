"""Another instance's events reach this one's observers in order — passed on with the turn when
they fit, read from the log when they do not — so that what the observers carry stays exact."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from pymongo import AsyncMongoClient, monitoring
from redis.asyncio import Redis

from hub.events.log import Decision, EventLog
from hub.events.turns import RedisTurns
from schemas.events import Change, Put

CHANNEL = "board:follow"


class _EventReads(monitoring.CommandListener):
    """Counts the reads of ``events`` in one database."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.count = 0

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.database_name == self.database and event.command.get("find") == "events":
            self.count += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


def _note(text: str) -> Any:
    async def decide() -> Decision:
        return Change(
            event="note.added", data={"text": text}, ops=[Put(collection="notes", doc={"_id": text})]
        )

    return decide


async def _instance(
    servers: Any, database_name: str, redis: Redis, told: list[tuple[int, str]]
) -> tuple[AsyncMongoClient[dict[str, Any]], EventLog, _EventReads]:
    reads = _EventReads(database_name)
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        servers.mongodb_url, tz_aware=True, event_listeners=[reads]
    )
    log = EventLog(client[database_name], turns=RedisTurns(redis, kinds=("board",)))
    log.observe(
        "board", lambda channel, seq, event, ops: told.append((seq, ops[0]["doc"]["_id"] if ops else ""))
    )
    await log.ensure_indexes()
    return client, log, reads


@asynccontextmanager
async def _two_instances(
    servers: Any, database_name: str, redis: Redis
) -> AsyncIterator[tuple[EventLog, EventLog, list[tuple[int, str]], _EventReads]]:
    """Instances ``a`` and ``b`` of one log; what ``b``'s observer was told, and ``b``'s reads."""
    told_b: list[tuple[int, str]] = []
    client_a, a, _ = await _instance(servers, database_name, redis, [])
    client_b, b, reads_b = await _instance(servers, database_name, redis, told_b)
    try:
        yield a, b, told_b, reads_b
    finally:
        await client_a.close()
        await client_b.close()


async def test_the_events_of_another_instance_come_with_the_turn(
    servers: Any, mongo: AsyncMongoClient[dict[str, Any]], database_name: str, redis: Redis
) -> None:
    async with _two_instances(servers, database_name, redis) as (a, b, told_b, reads_b):
        # Both have written once (their first commit reads the log: they knew nothing of it).
        await b.commit(CHANNEL, _note("b1"), actor=None, grouped=True)
        await a.commit(CHANNEL, _note("a1"), actor=None, grouped=True)
        for text in ("a2", "a3", "a4"):
            await a.commit(CHANNEL, _note(text), actor=None, grouped=True)
        before = reads_b.count
        await b.commit(CHANNEL, _note("b2"), actor=None, grouped=True)
        # b was told a's events, in order, before its own; and did not read them from the log.
        assert told_b == [(1, "b1"), (2, "a1"), (3, "a2"), (4, "a3"), (5, "a4"), (6, "b2")]
        assert reads_b.count == before


async def test_events_not_passed_on_are_read_from_the_log(
    servers: Any, mongo: AsyncMongoClient[dict[str, Any]], database_name: str, redis: Redis
) -> None:
    async with _two_instances(servers, database_name, redis) as (a, b, told_b, reads_b):
        await b.commit(CHANNEL, _note("b1"), actor=None)
        await a.commit(CHANNEL, _note("a1"), actor=None)
        await a.commit(CHANNEL, _note("a2"), actor=None)
        await redis.delete(f"dejima:turn-passed:{CHANNEL}")  # gone (expired, or never fitted)
        before = reads_b.count
        await b.commit(CHANNEL, _note("b2"), actor=None)
        assert told_b == [(1, "b1"), (2, "a1"), (3, "a2"), (4, "b2")]
        assert reads_b.count == before + 1
