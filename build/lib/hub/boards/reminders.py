"""Due reminders: ``card.due_soon`` once when a card's due moment is less than ``DEJIMA_DUE_SOON_H``
hours away, ``card.overdue`` once after it passes (API.md, Finding and reminding).

Each card with a due has one document in ``due_reminders``: the next reminder (``stage`` ``soon``,
``over`` or ``done``) and its moment (``at_ms``, integer milliseconds: numbers compare alike in
MongoDB and nx-27017). It is written by the same event that sets the card's due (an op of that event,
so a due change re-arms both reminders atomically with the change; ``arm`` is a fresh id each time).

The sweep (a unique arq cron job, every 10 s) reads the range ``0 < at_ms <= now`` of its index, so a
pass costs the reminders that are due, not the cards that have a due. For each it takes a lease with
one ``find_one_and_update`` (two workers never both work on one), then, unless the card is archived,
``due_done`` or its due changed meanwhile:

1. logs the reminder as an event of the card's board (``card.due_soon`` / ``card.overdue``, the card
   as data): partner webhooks and live pages hear of it; skipped when step 2 already happened;
2. tells the card's assignees and followers through ``Notify`` with the cause ``due:{arm}:{kind}``,
   so a repeat after a crash notifies nobody twice (quiet hours hold e-mail and LINE as always);

and last moves the document to its next stage, only if it is still the same arm and stage (a due
changed meanwhile re-armed it, and that wins). A worker that dies holding a lease leaves it to expire.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from hub.boards import model
from hub.boards.due import DuePolicy, with_due
from hub.boards.follows import Follows
from hub.boards.model import DUE_REMINDERS
from hub.boards.service import BoardService
from hub.boards.store import BoardStore
from hub.clock import Clock
from hub.doc import Doc
from hub.events.log import Decision, Unchanged
from hub.ids import new_id
from hub.limits import DUE_REMINDER_CONCURRENCY, DUE_REMINDER_LEASE_S, DUE_REMINDER_SWEEP_BATCH
from hub.notify import Notify
from schemas.events import Change, Put

log = logging.getLogger(__name__)

_DUE_MIGRATION = "card-due-moments"
DUE_SOON = "card.due_soon"
OVERDUE = "card.overdue"


def _ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def arm_op(before: Doc | None, after: Doc, policy: DuePolicy) -> Put | None:
    """The op that (re-)arms a card's reminders when its due is set or changed, else None."""
    if (before or {}).get("due") == after.get("due"):
        return None
    doc: Doc = {"_id": after["_id"], "board_id": after["board_id"], "arm": new_id(), "lease_ms": 0}
    due_at: datetime | None = after.get("due_at")
    if due_at is None:
        return Put(collection=DUE_REMINDERS, doc={**doc, "stage": "done", "at_ms": 0, "due_at_ms": 0})
    soon_at = due_at - policy.soon
    return Put(
        collection=DUE_REMINDERS,
        doc={**doc, "stage": "soon", "at_ms": _ms(soon_at), "due_at_ms": _ms(due_at), "due": after["due"]},
    )


class DueReminders:
    def __init__(
        self,
        db: AsyncDatabase[Doc],
        *,
        boards: BoardService,
        store: BoardStore,
        follows: Follows,
        notify: Notify,
        clock: Clock,
        policy: DuePolicy,
    ) -> None:
        self._policy = policy
        self._migrations = db[model.MIGRATIONS]
        self._boards = boards
        self._store = store
        self._follows = follows
        self._notify = notify
        self._clock = clock
        # Armed by ops of the board's events; the leases and stage moves below are this sweep's own
        # writes (single-document atomic updates), the one thing here the log does not write.
        self._reminders = db[DUE_REMINDERS]

    async def migrate(self) -> int:
        """Cards whose due was set before due moments and reminders existed: give each its moment
        (``due_at``) and a reminder document; → how many changed.

        Run at every start and idempotent, like ``model.migrate_times``: a card is replaced only at
        the ``_seq`` it was read at (a change logged meanwhile wrote both already), and a full pass
        that found nothing leaves a marker that skips the scan from then on. A due already past is
        armed ``done``: a deployment does not send an ``overdue`` for every old card.
        """
        if await self._migrations.find_one({"_id": _DUE_MIGRATION}) is not None:
            return 0
        now_ms = _ms(self._clock())
        changed = 0
        for doc in await self._store.cards_without_due_moment():
            card = with_due(model.stored(doc), str(doc["due"]), self._policy.zone)
            if not await self._store.replace_card_at(
                doc, {**card, "_seq": doc.get("_seq", 0), "_deleted": False}
            ):
                continue
            armed = arm_op(None, card, self._policy)
            if armed is not None:
                reminder = {**armed.doc, "_seq": doc.get("_seq", 0), "_deleted": False}
                if reminder["due_at_ms"] <= now_ms:
                    reminder.update(stage="done", at_ms=0)
                await self._reminders.update_one(
                    {"_id": card["_id"]}, {"$setOnInsert": reminder}, upsert=True
                )
            changed += 1
        if changed == 0:
            await self._migrations.update_one({"_id": _DUE_MIGRATION}, {"$set": {"done": True}}, upsert=True)
        return changed

    async def sweep(self) -> int:
        """One pass: every reminder whose moment has come; → how many were sent."""
        now_ms = _ms(self._clock())
        due = (
            await self._reminders.find({"at_ms": {"$gt": 0, "$lte": now_ms}})
            .limit(DUE_REMINDER_SWEEP_BATCH)
            .to_list()
        )
        # Several at once: each waits mostly on the database and on its board's turn, and reminders
        # of different boards (or people) do not wait for each other.
        gate = asyncio.Semaphore(DUE_REMINDER_CONCURRENCY)

        async def one(doc: Doc) -> int:
            async with gate:
                try:
                    return await self._remind(doc, now_ms)
                except Exception:
                    # The lease expires and a later pass tries again; the other reminders go on.
                    log.exception("due reminder of card %s failed; retried after its lease", doc["_id"])
                    return 0

        ready = [doc for doc in due if not doc.get("_deleted") and doc.get("lease_ms", 0) <= now_ms]
        return sum(await asyncio.gather(*(one(doc) for doc in ready)))

    async def _remind(self, doc: Doc, now_ms: int) -> int:
        claim = {"_id": doc["_id"], "arm": doc["arm"], "stage": doc["stage"], "lease_ms": {"$lte": now_ms}}
        leased = await self._reminders.find_one_and_update(
            claim,
            {"$set": {"lease_ms": now_ms + DUE_REMINDER_LEASE_S * 1000}},
            return_document=ReturnDocument.AFTER,
        )
        if leased is None:
            return 0  # another worker has it, or the due changed meanwhile
        kind = DUE_SOON if doc["stage"] == "soon" and now_ms < doc["due_at_ms"] else OVERDUE
        card = await self._store.card(doc["_id"])
        remind = (
            card is not None
            and not card.get("archived")
            and not card.get("due_done")
            and card.get("due") == doc.get("due")
        )
        if remind and card is not None:
            await self._send(card, doc, kind)
        # Next: an overdue reminder at the due moment, or nothing more for this due.
        after: Doc = (
            {"stage": "over", "at_ms": doc["due_at_ms"]}
            if kind == DUE_SOON
            else {"stage": "done", "at_ms": 0}
        )
        await self._reminders.update_one(
            {"_id": doc["_id"], "arm": doc["arm"], "stage": doc["stage"]},
            {"$set": {**after, "lease_ms": 0}},
        )
        return int(remind)

    async def _send(self, card: Doc, doc: Doc, kind: str) -> None:
        cause_id = f"due:{doc['arm']}:{kind}"
        board_id = card["board_id"]

        async def decide() -> Decision:
            if await self._notify.has_cause(cause_id):
                return Unchanged()  # logged and notified before a crash: not twice
            # The card as of the head (a change may have come since the sweep read it).
            current = await self._store.card(card["_id"]) or card
            return Change(event=kind, data=model.card_out(current).model_dump(mode="json"))

        await self._boards.system_commit(board_id, decide)
        access = await self._boards.access(board_id)
        people = await self._follows.watchers(
            card, access, also=list(card.get("assignees", [])), actor_id=None
        )
        if not people:
            return
        await self._notify.notify(
            cause_id=cause_id,
            kind=kind,
            user_ids=people,
            data={
                "board_id": board_id,
                "card_id": card["_id"],
                "card_title": card.get("title", ""),
                "due": card.get("due"),
            },
            link=f"/boards/{board_id}?card={card['_id']}",
        )
