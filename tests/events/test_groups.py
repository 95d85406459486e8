"""Groups: changes queued in one process are decided one after another on what the earlier ones
write (``staged``) and logged with one insert — consecutive seqs, each caller its own event, exact
state — even when a decide fails or another writer takes one of the group's seqs."""

from __future__ import annotations

import asyncio
from typing import Any

from pymongo import AsyncMongoClient, monitoring
from pymongo.asynchronous.database import AsyncDatabase

from hub.errors import Conflict
from hub.events.log import Decision, EventLog, Unchanged, staged
from schemas.events import Change, Event, Put

CHANNEL = "test:groups"


class _Inserts(monitoring.CommandListener):
    """Counts the inserts into ``events`` of one database (how many round trips logged them)."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.count = 0

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        ours = event.database_name == self.database and event.command_name == "insert"
        if ours and event.command.get("insert") == "events":
            self.count += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


def _adding(db: AsyncDatabase[dict[str, Any]], n: int, *, before: Any = None) -> Any:
    """A decide that adds ``n`` to the counter, read through the group's staged documents."""

    async def decide() -> Decision:
        if before is not None:
            await before()
        counter = staged("counters").get("c") or await db["counters"].find_one({"_id": "c"}) or {"total": 0}
        if n < 0:
            raise Conflict("no negative additions")
        total = int(counter["total"]) + n
        return Change(
            event="counter.added",
            data={"n": n, "total": total},
            ops=[Put(collection="counters", doc={"_id": "c", "total": total})],
        )

    return decide


async def test_a_queue_of_changes_is_logged_in_groups_each_seeing_the_ones_before(
    servers: Any, mongo: AsyncMongoClient[dict[str, Any]], database_name: str
) -> None:
    inserts = _Inserts(database_name)
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        servers.mongodb_url, tz_aware=True, event_listeners=[inserts]
    )
    try:
        db = client[database_name]
        log = EventLog(db)
        await log.ensure_indexes()
        results = await asyncio.gather(
            *(log.commit(CHANNEL, _adding(db, n), actor=None, grouped=True) for n in range(1, 31))
        )
        events = [r for r in results if not isinstance(r, Unchanged)]
        assert sorted(e.seq for e in events) == list(range(1, 31))
        # Each caller got its own change's event, and each change saw every one logged before it.
        for n, event in zip(range(1, 31), events, strict=True):
            assert event.data["n"] == n
        by_seq = sorted(events, key=lambda e: e.seq)
        running = 0
        for event in by_seq:
            running += event.data["n"]
            assert event.data["total"] == running
        stored = await db["counters"].find_one({"_id": "c"})
        assert stored is not None and stored["total"] == sum(range(1, 31)) and stored["_seq"] == 30
        assert (await db["channels"].find_one({"_id": CHANNEL}) or {}).get("applied") == 30
        # Fewer round trips than events: they were logged together.
        assert inserts.count < 30
    finally:
        await client.close()  # the ``mongo`` fixture drops the database


async def test_a_failing_decide_fails_only_its_own_caller(
    mongo: AsyncMongoClient[dict[str, Any]], database_name: str
) -> None:
    db = mongo[database_name]
    log = EventLog(db)
    await log.ensure_indexes()
    results = await asyncio.gather(
        *(log.commit(CHANNEL, _adding(db, n), actor=None, grouped=True) for n in (1, 2, -1, 4, 5)),
        return_exceptions=True,
    )
    assert isinstance(results[2], Conflict)
    committed = [r for r in results if not isinstance(r, BaseException | Unchanged)]
    assert sorted(e.seq for e in committed) == [1, 2, 3, 4]
    stored = await db["counters"].find_one({"_id": "c"})
    assert stored is not None and stored["total"] == 12


async def test_a_seq_taken_by_another_writer_meanwhile_has_the_rest_decided_again(
    mongo: AsyncMongoClient[dict[str, Any]], database_name: str
) -> None:
    db = mongo[database_name]
    here, there = EventLog(db), EventLog(db)
    await here.ensure_indexes()
    await here.commit(CHANNEL, _adding(db, 100), actor=None)
    interfered = False

    async def another_instance_writes() -> None:
        # While the group is being decided, another instance logs the seq the group will ask for.
        nonlocal interfered
        if not interfered:
            interfered = True
            await there.commit(CHANNEL, _adding(db, 1000), actor=None)

    decides = [_adding(db, 1, before=another_instance_writes)] + [_adding(db, n) for n in (2, 3, 4)]
    results = await asyncio.gather(*(here.commit(CHANNEL, d, actor=None, grouped=True) for d in decides))
    events = [r for r in results if not isinstance(r, Unchanged)]
    assert sorted(e.seq for e in events) == [3, 4, 5, 6]
    logged = await here.since(CHANNEL, 0)
    assert [e.seq for e in logged] == [1, 2, 3, 4, 5, 6]
    # Every change decided on the state with the other instance's change in it: nothing lost.
    assert [e.data["total"] for e in logged] == [100, 1100, 1101, 1103, 1106, 1110]
    stored = await db["counters"].find_one({"_id": "c"})
    assert stored is not None and stored["total"] == 1110


async def test_changes_queued_while_a_group_is_published_are_committed_too(
    mongo: AsyncMongoClient[dict[str, Any]], database_name: str
) -> None:
    db = mongo[database_name]
    published: list[int] = []
    publishing = asyncio.Event()

    async def slow_sink(event: Event) -> None:
        publishing.set()
        await asyncio.sleep(0.05)  # a slow publish: the group's callers wait for it
        published.append(event.seq)

    log = EventLog(db, sink=slow_sink)
    await log.ensure_indexes()
    first = asyncio.create_task(log.commit(CHANNEL, _adding(db, 1), actor=None, grouped=True))
    await publishing.wait()  # the first group is logged and being published
    later = [log.commit(CHANNEL, _adding(db, n), actor=None, grouped=True) for n in (2, 3, 4)]
    results = await asyncio.gather(first, *later)
    assert sorted(r.seq for r in results if not isinstance(r, Unchanged)) == [1, 2, 3, 4]
    assert published == [1, 2, 3, 4]  # in seq order, though the groups overlapped
