"""The event log: gap-free numbering under concurrent writers, and snapshots that match a seq."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import AsyncMongoClient

from hub.events.log import EventLog, State
from schemas.common import utc_now
from schemas.events import Change, Delete, Put


async def test_concurrent_commits_number_events_without_gaps(
    mongo: AsyncMongoClient[dict[str, Any]], database_name: str
) -> None:
    db = mongo[database_name]
    writers = [EventLog(db), EventLog(db)]  # two "instances" on one database
    await writers[0].ensure_indexes()

    async def write(log: EventLog, n: int) -> int:
        async def decide() -> Change:
            return Change(
                event="note.created",
                data={"n": n},
                ops=[Put(collection="notes", doc={"_id": str(n), "n": n})],
            )

        return (await log.commit("test:1", decide, actor=None)).seq

    seqs = await asyncio.gather(*(write(writers[i % 2], i) for i in range(40)))
    assert sorted(seqs) == list(range(1, 41))
    events = await writers[0].since("test:1", 0)
    assert [e.seq for e in events] == list(range(1, 41))
    assert await db["notes"].count_documents({}) == 40


async def test_read_reflects_exactly_the_returned_seq(
    mongo: AsyncMongoClient[dict[str, Any]], database_name: str
) -> None:
    db = mongo[database_name]
    log = EventLog(db)
    await log.ensure_indexes()

    async def put(value: int) -> None:
        async def decide() -> Change:
            return Change(event="x", data={}, ops=[Put(collection="things", doc={"_id": "a", "v": value})])

        await log.commit("test:2", decide, actor=None)

    await put(1)
    # Simulate a writer that logged event 2 and died before applying it.
    await db["events"].insert_one(
        {
            "ch": "test:2",
            "seq": 2,
            "event": "x",
            "data": {},
            "actor": None,
            "at": (await log.since("test:2", 0))[0].at,
            "ops": [{"op": "put", "collection": "things", "doc": {"_id": "a", "v": 2}}],
        }
    )

    async def read_state() -> State:
        return {"things": {d["_id"]: d for d in await db["things"].find({}).to_list()}}

    state, seq = await log.read("test:2", read_state)
    assert seq == 2
    assert state["things"]["a"]["v"] == 2
    assert (await db["things"].find_one({"_id": "a"}))["v"] == 2


async def test_stored_documents_keep_their_types(
    mongo: AsyncMongoClient[dict[str, Any]], database_name: str
) -> None:
    """Datetimes stay datetimes and booleans stay booleans, on the first write and on every later one."""
    db = mongo[database_name]
    log = EventLog(db)
    await log.ensure_indexes()
    when = datetime(2026, 11, 27, 5, 0, tzinfo=UTC)

    async def put(version: int) -> None:
        async def decide() -> Change:
            doc = {"_id": "c1", "version": version, "archived": version % 2 == 0, "updated_at": when}
            return Change(event="card.updated", data={}, ops=[Put(collection="cards", doc=doc)])

        await log.commit("test:types", decide, actor=None)

    for version in (1, 2):
        await put(version)
        stored = await db["cards"].find_one({"_id": "c1"})
        assert stored is not None
        assert stored["updated_at"] == when
        assert stored["archived"] is (version % 2 == 0)
        assert stored["_deleted"] is False

    async def delete() -> Change:
        return Change(event="card.deleted", data={}, ops=[Delete(collection="cards", id="c1")])

    await log.commit("test:types", delete, actor=None)
    tombstone = await db["cards"].find_one({"_id": "c1"})
    assert tombstone is not None and tombstone["_deleted"] is True and tombstone["_seq"] == 3


async def test_events_past_the_retention_are_purged_and_a_ttl_index_of_before_gives_way(
    mongo: AsyncMongoClient[dict[str, Any]], database_name: str
) -> None:
    """The log is purged by a job (``purge_older_than``), not by a TTL index: on nx-27017 a TTL
    collection is scanned before every read of it. An older version's TTL index is replaced."""
    db = mongo[database_name]
    await db["events"].create_index("at", expireAfterSeconds=7 * 24 * 3600)
    log = EventLog(db)
    await log.ensure_indexes()
    indexes = await (await db["events"].list_indexes()).to_list()
    assert [dict(i["key"]) for i in indexes if "expireAfterSeconds" in i] == []
    assert {"at": 1} in [dict(i["key"]) for i in indexes]

    async def change() -> Change:
        return Change(event="test.changed", data={}, ops=[])

    for _ in range(3):
        await log.commit("test:purge", change, actor=None)
    logged = await db["events"].find({"ch": "test:purge"}).sort("seq", 1).to_list()
    # The first two are stamped 8 days back: past a 7-day retention.
    for doc in logged[:2]:
        await db["events"].update_one({"_id": doc["_id"]}, {"$set": {"at": doc["at"] - timedelta(days=8)}})
    assert await log.purge_older_than(utc_now() - timedelta(days=7)) == 2
    assert [e.seq for e in await log.since("test:purge", 0)] == [3]
    assert await log.head("test:purge") == 3
    assert await log.commit("test:purge", change, actor=None) is not None
    assert [e.seq for e in await log.since("test:purge", 0)] == [3, 4]
