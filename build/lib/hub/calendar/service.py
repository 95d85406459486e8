"""A person's calendar feed at a secret address (API.md, Finding and reminding).

The address holds a random token; only its SHA-256 is stored (``calendar_feeds``: one document per
person, ``_id`` their user id), so a leaked database does not leak working addresses. Renewing
replaces the document: the old address answers 404 from then on. The feed is read without signing
in, so whoever holds the address sees what its owner may see at that moment: the cards are those of
boards the owner can still read (a disabled account's feed is 404).

The events a person registered for come from a port (``RegisteredEvents``) that the composition root
may fill once hubs hold events; without it the feed has cards only.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date
from typing import Protocol

from pymongo.asynchronous.database import AsyncDatabase

from hub.boards.due import is_date
from hub.boards.follows import DueCard, Follows
from hub.calendar.ical import Entry, calendar
from hub.clock import Clock
from hub.doc import Doc
from hub.errors import NotFound
from hub.identity.users import UserStore, to_principal
from hub.limits import CALENDAR_MAX_ITEMS, CALENDAR_TOKEN_BYTES
from hub.principal import Principal

FEEDS = "calendar_feeds"
PATH = "/api/calendar/{token}.ics"


class RegisteredEvents(Protocol):
    """The hub events ``user_id`` registered for (not cancelled registrations), as calendar entries;
    their ``uid`` must be stable (for example ``event-{id}@dejima``)."""

    async def registered_events(self, user_id: str, *, limit: int) -> list[Entry]: ...


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class CalendarService:
    def __init__(
        self,
        db: AsyncDatabase[Doc],
        *,
        users: UserStore,
        follows: Follows,
        public_url: str,
        clock: Clock,
        events: RegisteredEvents | None = None,
    ) -> None:
        self._feeds = db[FEEDS]
        self._users = users
        self._follows = follows
        self._public_url = public_url.rstrip("/")
        self._clock = clock
        self._events = events

    async def ensure_indexes(self) -> None:
        await self._feeds.create_index("token_hash", unique=True)

    async def renew(self, principal: Principal) -> str:
        """A new secret address for the caller's feed; the previous one stops working."""
        token = secrets.token_urlsafe(CALENDAR_TOKEN_BYTES)
        # $set of numbers and strings only (docs/storage.md: nx-27017 and upserts, datetimes in $set).
        await self._feeds.update_one(
            {"_id": principal.id},
            {"$set": {"token_hash": _hash(token), "created_at_ms": int(self._clock().timestamp() * 1000)}},
            upsert=True,
        )
        return self._public_url + PATH.format(token=token)

    async def feed(self, token: str) -> str:
        """The feed behind ``token`` (``NotFound`` for an unknown, renewed or disabled one)."""
        if not token or len(token) > 100:
            raise NotFound("no such calendar")
        doc = await self._feeds.find_one({"token_hash": _hash(token)})
        user = None if doc is None else await self._users.get(doc["_id"])
        if user is None or user.get("disabled"):
            raise NotFound("no such calendar")
        principal = to_principal(user, session_id="calendar")
        cards = await self._follows.due_cards(principal, limit=CALENDAR_MAX_ITEMS)
        entries = [self._card_entry(found) for found in cards]
        if self._events is not None:
            entries += await self._events.registered_events(principal.id, limit=CALENDAR_MAX_ITEMS)
        return calendar(entries, name="Dejima", now=self._clock())

    def _card_entry(self, found: DueCard) -> Entry:
        card = found.card
        due = card.due or ""
        link = f"{self._public_url}/boards/{card.board_id}?card={card.id}"
        return Entry(
            uid=f"card-{card.id}@dejima",
            summary=card.title,
            start=date.fromisoformat(due) if is_date(due) else found.due_at,
            description=f"{found.board.title}\n{link}",
            url=link,
            stamp=card.updated_at,
            sequence=card.version,
        )
