"""The events a person registered for, as entries of their calendar feed (hub/calendar/: the feed
asks through its ``RegisteredEvents`` port). Waitlisted registrations are listed too, marked so;
cancelled ones are not; a cancelled event stays, marked cancelled, so that calendars drop it."""

from __future__ import annotations

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from hub.calendar.ical import Entry
from hub.doc import Doc
from hub.gatherings.model import GATHERINGS, LIVE, REGISTRATIONS
from hub.gatherings.service import HubDirectory

_WAITING = {"ja": "（キャンセル待ち）", "en": " (waiting list)"}


class CalendarEntries:
    def __init__(self, db: AsyncDatabase[Doc], *, hubs: HubDirectory, public_url: str) -> None:
        self._gatherings = db[GATHERINGS]
        self._registrations = db[REGISTRATIONS]
        self._hubs = hubs
        self._public_url = public_url.rstrip("/")

    async def registered_events(self, user_id: str, *, limit: int) -> list[Entry]:
        registrations = (
            await self._registrations.find(
                {"user_id": user_id, "status": {"$in": ["registered", "waitlisted"]}, **LIVE}
            )
            .sort("registered_at", ASCENDING)
            .limit(limit)
            .to_list()
        )
        if not registrations:
            return []
        ids = [r["event_id"] for r in registrations]
        events = {
            doc["_id"]: doc for doc in await self._gatherings.find({"_id": {"$in": ids}, **LIVE}).to_list()
        }
        entries = []
        for registration in registrations:
            event = events.get(registration["event_id"])
            if event is None:
                continue
            hub = await self._hubs.hub(event["hub_id"])
            waiting = _WAITING["en" if registration.get("locale") == "en" else "ja"]
            entries.append(
                Entry(
                    uid=f"event-{event['_id']}@dejima",
                    summary=event["title"] + (waiting if registration["status"] == "waitlisted" else ""),
                    start=event["starts_at"],
                    end=event["ends_at"],
                    description=event.get("description") or "",
                    url=f"{self._public_url}/events/{event['_id']}",
                    location=hub.get("name") or event["hub_id"],
                    stamp=event.get("created_at"),
                    # Each logged change of the event's document raises it, so calendars update.
                    sequence=int(event.get("_seq", 0)),
                    cancelled=event["status"] == "cancelled",
                )
            )
        return entries
