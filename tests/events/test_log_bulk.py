"""An event with many ops of one collection (an import's batch) is written as one bulk write, with
the same guarantees as op by op: applying it again changes nothing, and a newer write is kept."""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient

from hub.events.log import EventLog
from schemas.events import Change, Put


async def test_a_big_event_applied_twice_keeps_the_newest_state(
    mongo: AsyncMongoClient[dict[str, Any]], database_name: str
) -> None:
    db = mongo[database_name]
    log = EventLog(db)
    await log.ensure_indexes()

    def batch(version: int) -> Change:
        docs = [{"_id": f"n{n}", "version": version} for n in range(40)]
        return Change(event="notes.imported", data={}, ops=[Put(collection="notes", doc=doc) for doc in docs])

    async def first() -> Change:
        return batch(1)

    async def second() -> Change:
        return Change(
            event="note.updated", data={}, ops=[Put(collection="notes", doc={"_id": "n3", "version": 2})]
        )

    await log.commit("test:bulk", first, actor=None)
    await log.commit("test:bulk", second, actor=None)
    # A process that lost its mark rolls both events forward again (as after a crash).
    await db["channels"].update_one({"_id": "test:bulk"}, {"$set": {"applied": 0}})
    assert await EventLog(db).catch_up("test:bulk") == 2
    docs = {doc["_id"]: doc for doc in await db["notes"].find().to_list()}
    assert len(docs) == 40
    assert docs["n3"]["version"] == 2 and docs["n3"]["_seq"] == 2
    assert {doc["version"] for key, doc in docs.items() if key != "n3"} == {1}
