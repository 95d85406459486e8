"""In-app notification records (collection ``notifications``).

Today a record is all a notification is; the notifications work turns records into
``notification.created`` events and e-mail / LINE deliveries, and grows from this one function.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from hub.ids import idempotent_id, new_id
from schemas.common import utc_now

Doc = dict[str, Any]


async def create_notification(
    db: AsyncDatabase[Doc],
    *,
    user_id: str,
    kind: str,
    data: dict[str, Any],
    cause: str | None = None,
) -> str:
    """Record a notification for ``user_id``; return its id.

    ``cause`` names what happened (e.g. ``join_request.decided:<id>``): the same cause makes the same
    record once, so a retried request never notifies twice.
    """
    notification_id = new_id() if cause is None else idempotent_id(caller_id=user_id, scope=kind, key=cause)
    doc: Doc = {
        "_id": notification_id,
        "user_id": user_id,
        "kind": kind,
        "data": data,
        "created_at": utc_now(),
        "read_at": None,
    }
    with suppress(DuplicateKeyError):  # recorded already for this cause
        await db["notifications"].insert_one(doc)
    return notification_id
