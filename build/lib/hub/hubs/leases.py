"""One person, one check-in at a time: a lease per user, held while their check-in is decided.

Each hub's channel serialises the check-ins of that hub; the lease serialises one person's check-ins
across both hubs, so that two simultaneous check-ins of the same person at Bandai and Shibuya cannot
both find "not checked in anywhere" and leave two open check-ins (docs/hubs.md).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from hub.errors import Unavailable
from hub.ids import new_id
from hub.limits import CHECKIN_LEASE_S, CHECKIN_LEASE_WAIT_S

LEASES = "checkin_leases"
_POLL_S = 0.02


class UserLeases:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._leases = db[LEASES]

    @asynccontextmanager
    async def hold(self, user_id: str) -> AsyncIterator[None]:
        token = await self._acquire(user_id)
        try:
            yield
        finally:
            await self._leases.delete_one({"_id": user_id, "token": token})

    async def _acquire(self, user_id: str) -> str:
        deadline = time.monotonic() + CHECKIN_LEASE_WAIT_S
        token = new_id()
        while True:
            # Milliseconds since the epoch, not a date: nx-27017 turns a date given to $set into a string.
            now_ms = int(time.time() * 1000)
            try:
                # Takes a free or expired lease; a live one makes the upsert collide on _id.
                await self._leases.update_one(
                    {"_id": user_id, "until_ms": {"$lt": now_ms}},
                    {"$set": {"until_ms": now_ms + int(CHECKIN_LEASE_S * 1000), "token": token}},
                    upsert=True,
                )
                return token
            except DuplicateKeyError:
                if time.monotonic() > deadline:
                    raise Unavailable("another check-in of yours is still in progress; try again") from None
                await asyncio.sleep(_POLL_S)
