"""The outbox in MongoDB: causes waiting to be fanned out, and deliveries waiting to be sent.

Design note: docs/notifications.md. Both are plain documents with deterministic ids, so writing one
twice is a no-op, and both carry their own state, so that any worker (or the sweeper after a crash)
can pick up exactly where a dead process stopped:

- ``notification_causes``: ``{_id, kind, priority, user_ids, data, content, state: pending|done}``.
- ``deliveries``: one per message to send, ``{_id, channel: email|line|webhook, state:
  pending|sent|failed|cancelled, attempts, next_at_ms, lease_until_ms, ...}``. A sender *claims* a
  delivery (a lease, counted as an attempt) before it talks to the outside world, so two workers
  never send the same delivery at once; a lease left by a killed worker simply runs out.

Times that change are integer milliseconds (hub/notifications/times.py explains why).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from hub.doc import Doc
from hub.notifications.times import at, ms
from schemas.notifications import DeliveryChannel, DeliveryOut, DeliveryState

_DUPLICATE_KEY = 11000

CAUSES = "notification_causes"
DELIVERIES = "deliveries"


class Outbox:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._causes = db[CAUSES]
        self._deliveries = db[DELIVERIES]

    async def ensure_indexes(self) -> None:
        await self._causes.create_index([("state", ASCENDING), ("updated_at_ms", ASCENDING)])
        await self._deliveries.create_index([("state", ASCENDING), ("next_at_ms", ASCENDING)])
        await self._deliveries.create_index("cause_id")
        await self._deliveries.create_index([("webhook_id", ASCENDING), ("created_at", DESCENDING)])
        await self._deliveries.create_index("batch_id")
        await self._deliveries.create_index([("text_key", ASCENDING), ("state", ASCENDING)])
        # Residents' deliveries carry their address; erased when they leave (hub/residents/).
        await self._deliveries.create_index("line_to", sparse=True)
        await self._deliveries.create_index("to_email", sparse=True)

    # --- causes -----------------------------------------------------------------------------------

    async def add_cause(self, doc: Doc) -> bool:
        """Insert a cause; False when it exists already (the same cause, recorded before)."""
        try:
            await self._causes.insert_one({**doc, "state": "pending", "updated_at_ms": ms(doc["created_at"])})
        except DuplicateKeyError:
            return False
        return True

    async def cause(self, cause_id: str) -> Doc | None:
        return await self._causes.find_one({"_id": cause_id})

    async def touch_cause(self, cause_id: str, *, now: datetime) -> None:
        await self._causes.update_one(
            {"_id": cause_id}, {"$set": {"updated_at_ms": ms(now)}, "$inc": {"runs": 1}}
        )

    async def begin_cause(self, cause_id: str, *, now: datetime) -> int:
        """Count one more try of a cause's fan-out; how many tries there were, this one included."""
        doc = await self._causes.find_one_and_update(
            {"_id": cause_id},
            {"$set": {"updated_at_ms": ms(now)}, "$inc": {"runs": 1, "tries": 1}},
            projection={"tries": 1},
            return_document=ReturnDocument.AFTER,
        )
        return int((doc or {}).get("tries", 1))

    async def cause_error(self, cause_id: str, *, now: datetime, error: str, final: bool) -> None:
        """Record why a fan-out failed; ``final``: it is not tried again (state ``failed``)."""
        fields: Doc = {"last_error": error[:500], "updated_at_ms": ms(now)}
        if final:
            fields["state"] = "failed"
        await self._causes.update_one({"_id": cause_id, "state": "pending"}, {"$set": fields})

    async def finish_cause(self, cause_id: str, *, now: datetime) -> None:
        await self._causes.update_one({"_id": cause_id}, {"$set": {"state": "done", "done_at_ms": ms(now)}})

    async def stale_causes(self, *, updated_before: datetime, limit: int) -> list[str]:
        """Causes still pending that nobody has worked on since ``updated_before``."""
        docs = (
            await self._causes.find(
                {"state": "pending", "updated_at_ms": {"$lt": ms(updated_before)}}, {"_id": 1}
            )
            .sort("updated_at_ms", ASCENDING)
            .limit(limit)
            .to_list()
        )
        return [doc["_id"] for doc in docs]

    async def deferred_causes(self, *, limit: int) -> list[str]:
        """Causes left for the sweeper to fan out (``inline: false``): those that older versions
        recorded without fanning them out, still in the data of a running system."""
        docs = (
            await self._causes.find({"state": "pending", "inline": False}, {"_id": 1}).limit(limit).to_list()
        )
        return [doc["_id"] for doc in docs]

    # --- deliveries -------------------------------------------------------------------------------

    async def add_delivery(self, doc: Doc, *, next_at: datetime) -> bool:
        try:
            await self._deliveries.insert_one(_new_delivery(doc, next_at))
        except DuplicateKeyError:
            return False
        return True

    async def add_deliveries(self, docs: list[tuple[Doc, datetime]]) -> None:
        """Insert many deliveries at once; those that exist already (same id) are left as they are."""
        if not docs:
            return
        try:
            await self._deliveries.insert_many([_new_delivery(doc, at) for doc, at in docs], ordered=False)
        except BulkWriteError as error:
            others = [e for e in error.details.get("writeErrors", []) if e.get("code") != _DUPLICATE_KEY]
            if others:
                raise

    async def get(self, delivery_id: str) -> Doc | None:
        return await self._deliveries.find_one({"_id": delivery_id})

    async def claim(self, delivery_id: str, *, now: datetime, lease_s: float) -> Doc | None:
        """Take the delivery for one attempt, or None when it is not pending, not due, or leased."""
        now_ms = ms(now)
        return await self._deliveries.find_one_and_update(
            {
                "_id": delivery_id,
                "state": "pending",
                "next_at_ms": {"$lte": now_ms},
                "lease_until_ms": {"$lte": now_ms},
            },
            {
                "$set": {"lease_until_ms": now_ms + int(lease_s * 1000), "updated_at_ms": now_ms},
                "$inc": {"attempts": 1},
            },
            return_document=ReturnDocument.AFTER,
        )

    async def mark_sent(
        self,
        delivery_ids: list[str],
        *,
        now: datetime,
        status: int | None = None,
        attempts: int | None = None,
    ) -> None:
        fields: Doc = {"state": "sent", "sent_at_ms": ms(now), "last_status": status or 0, "last_error": ""}
        await self._set_pending(delivery_ids, fields, now=now, attempts=attempts)

    async def mark_retry(
        self,
        delivery_ids: list[str],
        *,
        now: datetime,
        next_at: datetime,
        error: str,
        status: int | None,
        attempts: int | None = None,
    ) -> None:
        fields: Doc = {"next_at_ms": ms(next_at), "last_error": error[:500], "last_status": status or 0}
        await self._set_pending(delivery_ids, fields, now=now, attempts=attempts)

    async def mark_final(
        self,
        delivery_ids: list[str],
        *,
        state: DeliveryState,
        now: datetime,
        error: str,
        status: int | None = None,
        attempts: int | None = None,
    ) -> None:
        fields: Doc = {"state": state, "last_error": error[:500], "last_status": status or 0}
        await self._set_pending(delivery_ids, fields, now=now, attempts=attempts)

    async def _set_pending(
        self, delivery_ids: list[str], fields: Doc, *, now: datetime, attempts: int | None
    ) -> None:
        """Record an outcome on deliveries still pending (a finished one is never reopened here)."""
        fields = {**fields, "lease_until_ms": 0, "updated_at_ms": ms(now)}
        if attempts is not None:
            fields["attempts"] = attempts
        await self._deliveries.update_many(
            {"_id": {"$in": delivery_ids}, "state": "pending"}, {"$set": fields}
        )

    async def reopen(self, delivery_id: str, *, now: datetime) -> Doc | None:
        """Send a finished delivery again (the webhook admin's "send again"): same id, new attempts."""
        return await self._deliveries.find_one_and_update(
            {"_id": delivery_id, "state": {"$in": ["sent", "failed", "cancelled"]}},
            {
                "$set": {
                    "state": "pending",
                    "next_at_ms": ms(now),
                    "lease_until_ms": 0,
                    "updated_at_ms": ms(now),
                    "attempts": 0,
                },
                "$inc": {"resends": 1},
            },
            return_document=ReturnDocument.AFTER,
        )

    async def due(self, *, now: datetime, limit: int, include_held: bool = False) -> list[Doc]:
        """Pending deliveries whose time has come and that nobody holds: ``{_id, channel}`` (a
        leased one is being sent; if its worker died, the lease runs out and it is due again).
        ``include_held``: held ones too (a test running every delivery as the workers would)."""
        query: Doc = {"state": "pending", "next_at_ms": {"$lte": ms(now)}}
        if not include_held:
            query["lease_until_ms"] = {"$lte": ms(now)}
        return (
            await self._deliveries.find(query, {"_id": 1, "channel": 1})
            .sort("next_at_ms", ASCENDING)
            .limit(limit)
            .to_list()
        )

    async def pending_of_cause(self, cause_id: str) -> list[Doc]:
        return await self._deliveries.find(
            {"cause_id": cause_id, "state": "pending"}, {"_id": 1, "next_at_ms": 1, "channel": 1}
        ).to_list()

    async def find(
        self,
        *,
        state: DeliveryState | None = None,
        channel: DeliveryChannel | None = None,
        webhook_id: str | None = None,
        limit: int = 100,
    ) -> list[Doc]:
        query: Doc = {}
        if state is not None:
            query["state"] = state
        if channel is not None:
            query["channel"] = channel
        if webhook_id is not None:
            query["webhook_id"] = webhook_id
        return await self._deliveries.find(query).sort("created_at", DESCENDING).limit(limit).to_list()

    async def count(self, query: Doc) -> int:
        return await self._deliveries.count_documents(query)

    async def erase_recipient(self, *, field: str, value: str, now: datetime) -> None:
        """A resident left: what still waited for them is cancelled, and their address is removed
        from every delivery (``field`` is ``line_to`` or ``to_email``)."""
        if field not in ("line_to", "to_email"):
            raise ValueError(field)
        await self._deliveries.update_many(
            {field: value, "state": "pending"},
            {"$set": {"state": "cancelled", "last_error": "the resident left", "updated_at_ms": ms(now)}},
        )
        await self._deliveries.update_many({field: value}, {"$set": {field: "", "erased": True}})

    async def of_cause(self, cause_id: str, *, channel: DeliveryChannel, state: DeliveryState) -> list[Doc]:
        return await self._deliveries.find(
            {"cause_id": cause_id, "channel": channel, "state": state}, {"_id": 1, "line_to": 1}
        ).to_list()

    async def count_sent(self, *, cause_id: str, channel: DeliveryChannel) -> int:
        return await self._deliveries.count_documents(
            {"cause_id": cause_id, "channel": channel, "state": "sent"}
        )

    # --- LINE batches: deliveries that share one text, sent in one multicast ------------------------

    async def batchable_line(
        self, *, text_key: str, now: datetime, limit: int, from_id: str | None = None
    ) -> list[str]:
        """Unbatched LINE deliveries of one text, due now, in id order (from ``from_id`` on)."""
        query: Doc = {
            "text_key": text_key,
            "state": "pending",
            "batch_id": "",
            "next_at_ms": {"$lte": ms(now)},
        }
        if from_id is not None:
            query["_id"] = {"$gte": from_id}
        docs = await self._deliveries.find(query, {"_id": 1}).sort("_id", ASCENDING).limit(limit).to_list()
        return [doc["_id"] for doc in docs]

    async def claim_following(
        self, delivery_id: str, *, cause_id: str, now: datetime, lease_s: float, limit: int
    ) -> list[Doc]:
        """Claim up to ``limit`` more e-mail deliveries of one cause after ``delivery_id`` (id order)
        for one SMTP connection; each claim is atomic, so a delivery is never claimed twice."""
        docs = (
            await self._deliveries.find(
                {
                    "cause_id": cause_id,
                    "channel": "email",
                    "state": "pending",
                    "_id": {"$gt": delivery_id},
                    "next_at_ms": {"$lte": ms(now)},
                    "lease_until_ms": {"$lte": ms(now)},
                },
                {"_id": 1},
            )
            .sort("_id", ASCENDING)
            .limit(limit)
            .to_list()
        )
        if not docs:
            return []
        ids = [doc["_id"] for doc in docs]
        # One write for all: each document is taken atomically, marked with this claim's token,
        # so the ones read back with it are this job's and nobody else's.
        token = uuid.uuid4().hex
        now_ms = ms(now)
        await self._deliveries.update_many(
            {
                "_id": {"$in": ids},
                "state": "pending",
                "next_at_ms": {"$lte": now_ms},
                "lease_until_ms": {"$lte": now_ms},
            },
            {
                "$set": {
                    "lease_until_ms": now_ms + int(lease_s * 1000),
                    "updated_at_ms": now_ms,
                    "claim": token,
                },
                "$inc": {"attempts": 1},
            },
        )
        return (
            await self._deliveries.find({"_id": {"$in": ids}, "claim": token})
            .sort("_id", ASCENDING)
            .to_list()
        )

    async def join_batch(self, delivery_ids: list[str], *, batch_id: str) -> None:
        # Per document atomic: a delivery already in another batch keeps it.
        await self._deliveries.update_many(
            {"_id": {"$in": delivery_ids}, "batch_id": "", "state": "pending"},
            {"$set": {"batch_id": batch_id}},
        )

    async def leave_batch(self, delivery_id: str, *, batch_id: str) -> bool:
        result = await self._deliveries.update_one(
            {"_id": delivery_id, "batch_id": batch_id, "state": "pending"}, {"$set": {"batch_id": ""}}
        )
        return result.modified_count == 1

    async def of_batch(self, batch_id: str) -> list[Doc]:
        return await self._deliveries.find({"batch_id": batch_id}).sort("_id", ASCENDING).to_list()


def _new_delivery(doc: Doc, next_at: datetime) -> Doc:
    return {
        "state": "pending",
        "attempts": 0,
        "next_at_ms": ms(next_at),
        "lease_until_ms": 0,
        "sent_at_ms": 0,
        "last_error": "",
        "last_status": 0,
        "updated_at_ms": ms(doc["created_at"]),
        **doc,
    }


def to_delivery_out(doc: Doc) -> DeliveryOut:
    return DeliveryOut(
        id=doc["_id"],
        channel=doc["channel"],
        state=doc["state"],
        attempts=int(doc.get("attempts", 0)),
        user_id=doc.get("user_id"),
        notification_id=doc.get("notification_id"),
        webhook_id=doc.get("webhook_id"),
        event_type=doc.get("event_type"),
        created_at=doc["created_at"],
        next_at=at(doc.get("next_at_ms")) if doc["state"] == "pending" else None,
        sent_at=at(doc.get("sent_at_ms")),
        last_error=doc.get("last_error") or None,
        last_status=doc.get("last_status") or None,
    )
