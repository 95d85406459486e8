"""The MongoDB client. Works the same against MongoDB 7+ and nx-27017 (docs/storage.md)."""

from __future__ import annotations

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from hub.doc import Doc

# Fail fast at start and in /readyz instead of hanging on the driver's 30 s default.
SERVER_SELECTION_TIMEOUT_MS = 5_000


def open_client(url: str) -> AsyncMongoClient[Doc]:
    # tz_aware: every datetime we read back is UTC-aware, as the contract's times are.
    return AsyncMongoClient(
        url,
        tz_aware=True,
        serverSelectionTimeoutMS=SERVER_SELECTION_TIMEOUT_MS,
        appname="dejima",
    )


async def ping(db: AsyncDatabase[Doc]) -> bool:
    try:
        await db.command("ping")
    except Exception:
        return False
    return True


async def ensure_plain_index(collection: AsyncCollection[Doc], *, field: str) -> None:
    """An index on ``field`` without a lifetime, replacing a TTL index on it (an older version's):
    a changed option fails ``create_index``, and nx-27017 has no collMod."""
    for index in await (await collection.list_indexes()).to_list():
        if dict(index["key"]) == {field: 1} and "expireAfterSeconds" in index:
            await collection.drop_index(index["name"])
    await collection.create_index(field)
