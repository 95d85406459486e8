"""E-mails and LINE messages to people without an account (a registrant of an event at a hub): the
address or LINE user id travels with the delivery, since there is no user to look it up from. Sent
by the same runner, retries, LINE batching and outbox as every other delivery
(hub/notifications/delivery.py)."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from hub.clock import Clock
from hub.notifications.outbox import Outbox
from hub.notifications.queue import JobQueue

Doc = dict[str, Any]

KIND = "guest"
# A guest's e-mail is about something that happens soon (an event): not worth sending a week late.
_TTL = timedelta(days=7)


class GuestMailer:
    def __init__(self, *, outbox: Outbox, queue: JobQueue, clock: Clock) -> None:
        self._outbox = outbox
        self._queue = queue
        self._clock = clock

    async def send(
        self, *, delivery_id: str, to: str, locale: str, subject: str, text: str, html: str
    ) -> bool:
        """Queue one e-mail to ``to``; the same ``delivery_id`` again sends nothing (→ False)."""
        now = self._clock()
        doc: Doc = {
            "_id": delivery_id,
            "channel": "email",
            "kind": KIND,
            # Carried like a resident's newsletter (hub/notifications/delivery.py): no account to
            # look the address up from. No cause_id: it is sent alone, not in a newsletter batch.
            "resident": True,
            "to_email": to,
            "user_id": None,
            "locale": locale,
            "subject": subject,
            "text": text,
            "html": html,
            "priority": "urgent",  # not held by quiet hours: it answers what the person just did
            "expires_at": now + _TTL,
            "created_at": now,
        }
        if not await self._outbox.add_delivery(doc, next_at=now):
            return False
        await self._queue.delivery(delivery_id, channel="email")
        return True

    async def send_line(self, *, delivery_id: str, to: str, locale: str, text: str) -> bool:
        """Queue one LINE message to the LINE user ``to``; the same ``delivery_id`` again sends nothing."""
        now = self._clock()
        doc: Doc = {
            "_id": delivery_id,
            "channel": "line",
            "kind": KIND,
            "line_to": to,  # no account: the LINE user id travels with the delivery
            "user_id": None,
            "locale": locale,
            "text": text,
            # Deliveries with one text go out in one multicast (hub/notifications/delivery.py).
            "text_key": hashlib.sha256(text.encode()).hexdigest()[:32],
            "batch_id": "",
            "priority": "urgent",
            "expires_at": now + _TTL,
            "created_at": now,
        }
        if not await self._outbox.add_delivery(doc, next_at=now):
            return False
        await self._queue.delivery(delivery_id, channel="line")
        return True


def is_guest_mail(doc: Doc) -> bool:
    return doc.get("kind") == KIND
