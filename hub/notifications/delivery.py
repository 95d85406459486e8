"""Sending one delivery: the second half of the pipeline (docs/notifications.md).

``run(delivery_id)`` is what the arq job ``deliver`` calls. It re-reads the delivery, does nothing
when it is no longer pending, waits when it is not due yet, else claims it (a lease counted as an
attempt), talks to SMTP / LINE / the partner's endpoint, and records the outcome: sent, retry at a
later time (from the settings' delays, never sooner than a ``Retry-After``), or failed for good after
the last retry — a failed delivery stays visible to admins (``GET /api/deliveries?state=failed``).
It returns when to run again, or None.
"""

from __future__ import annotations

import logging
import uuid
from contextlib import suppress
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Protocol

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from hub.clock import Clock
from hub.doc import Doc
from hub.identity.users import UserStore
from hub.limits import EMAIL_CONNECTION_MAX, WEBHOOK_ORG_BUSY_RETRY_S
from hub.notifications import account_mail, line, mail, messages, times
from hub.notifications.outbox import Outbox
from hub.notifications.retry import retry_at
from hub.settings import Settings

log = logging.getLogger(__name__)


LINE_BATCHES = "line_batches"


class Gate(Protocol):
    def take(self, org_id: str) -> bool: ...

    def release(self, org_id: str) -> None: ...


class WebhookSending(Protocol):
    """What the runner needs of partner webhooks (hub/webhooks/send.py): handed in, since they are
    built after the notifications domain. ``send`` returns when to try again, or None."""

    @property
    def gate(self) -> Gate: ...

    async def send(self, doc: Doc) -> datetime | None: ...


class DeliveryRunner:
    def __init__(
        self,
        db: AsyncDatabase[Doc],
        *,
        settings: Settings,
        users: UserStore,
        outbox: Outbox,
        webhooks: WebhookSending,
        clock: Clock,
    ) -> None:
        self._batches = db[LINE_BATCHES]
        self._settings = settings
        self._users = users
        self._outbox = outbox
        self._webhooks = webhooks
        self._clock = clock

    @property
    def _lease_s(self) -> float:
        return float(self._settings.job_timeout_s)

    async def run(self, delivery_id: str) -> datetime | None:
        doc = await self._outbox.get(delivery_id)
        if doc is None or doc["state"] != "pending":
            return None
        now = self._clock()
        next_at = times.at(doc["next_at_ms"])
        if next_at is not None and next_at > now:
            return next_at
        expires_at = doc.get("expires_at")
        if expires_at is not None and expires_at <= now:
            await self._outbox.mark_final(
                [delivery_id], state="cancelled", now=now, error="the notice expired"
            )
            return None
        try:
            if doc["channel"] == "line":
                return await self._run_line(doc)
            if doc["channel"] == "webhook":
                return await self._run_webhook(doc)
            return await self._run_email(delivery_id)
        except Exception as error:
            # A bug or data no sender can take: counted against the delivery's retry schedule like
            # any failure, with its reason, so it ends ``failed`` instead of being retried for ever.
            log.exception("delivery %s: unexpected error", delivery_id)
            return await self._unexpected(doc, f"{type(error).__name__}: {error}")

    async def _unexpected(self, doc: Doc, error: str) -> datetime | None:
        current = await self._outbox.get(doc["_id"])
        if current is None or current["state"] != "pending":
            return None
        # E-mail and webhooks counted this attempt when they claimed it; a LINE delivery's
        # attempts are its batch's, so this one is counted here.
        attempts = int(current["attempts"]) + (1 if doc["channel"] == "line" else 0)
        delays = (
            self._settings.webhook_retry_delays_s
            if doc["channel"] == "webhook"
            else self._settings.delivery_retry_delays_s
        )
        return await self._record(
            [doc["_id"]], attempts=attempts, outcome="retry", error=error, status=None, delays_s=delays
        )

    # --- webhooks: one organisation never takes every place of the webhook worker ------------------

    async def _run_webhook(self, doc: Doc) -> datetime | None:
        org_id = str(doc.get("org_id") or "")
        gate = self._webhooks.gate
        if not gate.take(org_id):
            # Not claimed, so no attempt is counted: the job comes back in a moment.
            return self._clock() + timedelta(seconds=WEBHOOK_ORG_BUSY_RETRY_S)
        try:
            claimed = await self._outbox.claim(doc["_id"], now=self._clock(), lease_s=self._lease_s)
            return None if claimed is None else await self._webhooks.send(claimed)
        finally:
            gate.release(org_id)

    # --- e-mail -----------------------------------------------------------------------------------

    async def _run_email(self, delivery_id: str) -> datetime | None:
        now = self._clock()
        doc = await self._outbox.claim(delivery_id, now=now, lease_s=self._lease_s)
        if doc is None:
            return None
        if doc.get("resident") and doc.get("cause_id"):
            # A newsletter to many residents: this job takes the next ones too, one SMTP connection.
            others = await self._outbox.claim_following(
                delivery_id,
                cause_id=doc["cause_id"],
                now=now,
                lease_s=self._lease_s,
                limit=EMAIL_CONNECTION_MAX - 1,
            )
            return await self._send_newsletters([doc, *others])
        # A resident's newsletter carries its address (``to_email``); a user's is looked up now.
        user = (
            {"email": doc.get("to_email")} if doc.get("resident") else await self._users.get(doc["user_id"])
        )
        if user is None or not user.get("email") or user.get("disabled"):
            await self._outbox.mark_final(
                [delivery_id], state="cancelled", now=now, error="no such recipient"
            )
            return None
        if account_mail.is_account_mail(doc):
            # Rendered now: the delivery holds the link's nonce, never the link itself.
            content = account_mail.render(doc, settings=self._settings)
        else:
            content = messages.Email(subject=doc["subject"], text=doc["text"], html=doc["html"])
        try:
            message = mail.build(
                content,
                sender=self._settings.smtp_from,
                to=str(user["email"]),
                message_id=delivery_id,
                unsubscribe_url=doc.get("unsubscribe_url"),
                locale=doc.get("locale") or "ja",
            )
        except (ValueError, TypeError, IndexError) as error:
            # A header with a line break (injection), a malformed address: no retry can fix it.
            return await self._record(
                [delivery_id],
                attempts=doc["attempts"],
                outcome="failed",
                error=f"the message cannot be built: {error}",
                status=None,
            )
        result = await mail.send(message, settings=self._settings)
        return await self._record(
            [delivery_id],
            attempts=doc["attempts"],
            outcome=result.outcome,
            error=result.error,
            status=result.status,
        )

    async def _send_newsletters(self, docs: list[Doc]) -> datetime | None:
        """Residents' e-mails claimed together: sent over one connection, each outcome recorded on
        its own delivery. Returns when to run the first again (the others' retries are revived by
        the sweeper when due)."""
        built: list[tuple[Doc, EmailMessage]] = []
        first_later: datetime | None = None
        for doc in docs:
            if not doc.get("to_email"):
                await self._outbox.mark_final(
                    [doc["_id"]], state="cancelled", now=self._clock(), error="the resident left"
                )
                continue
            try:
                content = messages.Email(subject=doc["subject"], text=doc["text"], html=doc["html"])
                message = mail.build(
                    content,
                    sender=self._settings.smtp_from,
                    to=str(doc["to_email"]),
                    message_id=doc["_id"],
                    unsubscribe_url=doc.get("unsubscribe_url"),
                    locale=doc.get("locale") or "ja",
                )
            except (ValueError, TypeError, IndexError, KeyError) as error:
                await self._record(
                    [doc["_id"]],
                    attempts=doc["attempts"],
                    outcome="failed",
                    error=f"the message cannot be built: {error}",
                    status=None,
                )
                continue
            built.append((doc, message))
        results = await mail.send_many([message for _, message in built], settings=self._settings)
        sent = [
            doc["_id"] for (doc, _), result in zip(built, results, strict=True) if result.outcome == "sent"
        ]
        if sent:  # the usual case: one write for all
            await self._outbox.mark_sent(sent, now=self._clock(), status=250)
        for (doc, _), result in zip(built, results, strict=True):
            if result.outcome == "sent":
                continue
            later = await self._record(
                [doc["_id"]],
                attempts=doc["attempts"],
                outcome=result.outcome,
                error=result.error,
                status=result.status,
            )
            if doc is docs[0]:
                first_later = later
        return first_later

    # --- LINE: deliveries that share one text go out in one multicast ----------------------------------

    async def _run_line(self, doc: Doc, *, rebatched: bool = False) -> datetime | None:
        if doc.get("batch_id"):
            # Written in its batch (a large send to residents): the batch is made on first use.
            batch_id = doc["batch_id"]
            await self._ensure_batch(batch_id, doc)
        else:
            batch_id = await self._form_batch(doc)
        now = self._clock()
        now_ms = times.ms(now)
        batch = await self._batches.find_one_and_update(
            {
                "_id": batch_id,
                "state": "pending",
                "next_at_ms": {"$lte": now_ms},
                "lease_until_ms": {"$lte": now_ms},
            },
            {"$set": {"lease_until_ms": now_ms + int(self._lease_s * 1000)}, "$inc": {"attempts": 1}},
            return_document=ReturnDocument.AFTER,
        )
        if batch is None:
            # Another job holds the batch (it records every member), or it waits for a retry.
            current = await self._batches.find_one({"_id": batch_id})
            if current is not None and current["state"] == "pending" and current["next_at_ms"] > now_ms:
                return times.at(current["next_at_ms"])
            # Still pending in a finished batch: it was written while its batch went out. It leaves
            # that batch (atomically, once) and goes out in a new one.
            finished = current is not None and current["state"] != "pending" and not rebatched
            if finished and await self._outbox.leave_batch(doc["_id"], batch_id=batch_id):
                return await self._run_line({**doc, "batch_id": ""}, rebatched=True)
            return None
        members = [m for m in await self._outbox.of_batch(batch_id) if m["state"] == "pending"]
        # Residents without an account carry their LINE user id (``line_to``); users are looked up.
        users = await self._users.names(sorted({m["user_id"] for m in members if m.get("user_id")}))
        to: list[str] = []
        gone: list[str] = []
        for member in members:
            line_id = member.get("line_to") or users.get(member.get("user_id") or "", {}).get("line_user_id")
            if line_id:
                to.append(line_id)
            else:
                gone.append(member["_id"])
        if gone:
            await self._outbox.mark_final(
                gone, state="cancelled", now=now, error="the LINE account was unlinked"
            )
        live = [m["_id"] for m in members if m["_id"] not in gone]
        if not live:
            await self._batches.update_one(
                {"_id": batch_id}, {"$set": {"state": "sent", "lease_until": None}}
            )
            return None
        result = await line.send(
            settings=self._settings,
            to=sorted(set(to)),
            text=batch["text"],
            retry_key=batch["retry_key"],
            messages=batch.get("messages"),
        )
        next_at = await self._record(
            live,
            attempts=batch["attempts"],
            outcome=result.outcome,
            error=result.error,
            status=result.status,
            retry_after_s=result.retry_after_s,
        )
        state = {"sent": "sent", "failed": "failed"}.get(result.outcome, "pending")
        if next_at is None and state == "pending":
            state = "failed"
        await self._batches.update_one(
            {"_id": batch_id},
            {
                "$set": {
                    "state": state,
                    "lease_until_ms": 0,
                    "next_at_ms": times.ms(next_at or now),
                    "recipients": len(to),
                }
            },
        )
        return next_at

    async def _ensure_batch(self, batch_id: str, doc: Doc) -> None:
        """The batch a delivery was written in, made by the first of its members to run (its retry
        key is set once, on insertion, and never changes)."""
        if await self._batches.find_one({"_id": batch_id}, {"_id": 1}) is not None:
            return  # the usual case: a read, not a write
        now = self._clock()
        with suppress(DuplicateKeyError):  # made at this very moment by another member's job
            await self._batches.update_one(
                {"_id": batch_id},
                {"$setOnInsert": _new_batch(doc, now)},
                upsert=True,
            )

    async def _form_batch(self, doc: Doc) -> str:
        """Put this delivery, and up to 499 others due now with the same text, in a new batch.

        The batch and its retry key are stored before any member joins it, and a member joins at
        most one batch (each update is atomic per document), so a crash at any point leaves every
        delivery either unbatched or in exactly one batch whose retry key never changes.
        """
        now = self._clock()
        batch_id = uuid.uuid4().hex
        await self._batches.insert_one({"_id": batch_id, **_new_batch(doc, now)})
        # From this delivery on in id order first, so that jobs started at every 500th delivery of
        # a large send (hub/residents/sending.py) form disjoint batches; then any others due.
        others = await self._outbox.batchable_line(
            text_key=doc["text_key"], now=now, limit=line.MULTICAST_MAX, from_id=doc["_id"]
        )
        if len(others) < line.MULTICAST_MAX:
            others += await self._outbox.batchable_line(
                text_key=doc["text_key"], now=now, limit=line.MULTICAST_MAX
            )
        chosen = list(dict.fromkeys([doc["_id"], *others]))[: line.MULTICAST_MAX]
        await self._outbox.join_batch(chosen, batch_id=batch_id)
        current = await self._outbox.get(doc["_id"])
        return (current or {}).get("batch_id") or batch_id

    # --- outcomes ---------------------------------------------------------------------------------

    async def _record(
        self,
        delivery_ids: list[str],
        *,
        attempts: int,
        outcome: str,
        error: str,
        status: int | None,
        retry_after_s: float | None = None,
        delays_s: list[float] | None = None,
    ) -> datetime | None:
        now = self._clock()
        if outcome == "sent":
            await self._outbox.mark_sent(delivery_ids, now=now, status=status, attempts=attempts)
            return None
        if outcome == "retry":
            later = retry_at(
                self._settings.delivery_retry_delays_s if delays_s is None else delays_s,
                attempts=attempts,
                now=now,
                retry_after_s=retry_after_s,
            )
            if later is not None:
                await self._outbox.mark_retry(
                    delivery_ids, now=now, next_at=later, error=error, status=status, attempts=attempts
                )
                log.info("delivery %s failed (%s); retrying at %s", delivery_ids[0], error, later.isoformat())
                return later
            error = f"gave up after {attempts} attempts: {error}"
        await self._outbox.mark_final(
            delivery_ids, state="failed", now=now, error=error, status=status, attempts=attempts
        )
        log.warning("delivery %s failed for good: %s", delivery_ids[0], error)
        return None


def _new_batch(doc: Doc, now: datetime) -> Doc:
    """A LINE batch for the text of delivery ``doc``, due now, with the retry key it keeps for life."""
    return {
        "retry_key": str(uuid.uuid4()),
        "text": doc["text"],
        "messages": doc.get("line_messages"),
        "state": "pending",
        "attempts": 0,
        "lease_until_ms": 0,
        "next_at_ms": times.ms(now),
        "created_at": now,
    }
