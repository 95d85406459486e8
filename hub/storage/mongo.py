"""The MongoDB client. Works the same against MongoDB 7+ and nx-27017 (docs/storage.md)."""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

Doc = dict[str, Any]

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
