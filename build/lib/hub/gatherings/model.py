"""Stored shapes of events at the hubs and their registrations, and the copies each caller sees.

Called "gatherings" in the code (``hub/events/`` is the event log). Both collections are written only
through the hub's channel ``hub:{hub_id}`` (docs/gatherings.md): the event document carries its seat
counts, so that one ``decide`` reads and changes them against the channel's head.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from hub.doc import Doc
from hub.limits import EVENT_CODE_ALPHABET, EVENT_CODE_CHARS
from schemas.events import Event, Put
from schemas.gatherings import CountsData, EventOut, RegistrationOut, RegistrationRow

GATHERINGS = "gatherings"
REGISTRATIONS = "gathering_registrations"
# Reminder claims: one document per event, inserted once (its _id), so that one worker sends them.
REMINDERS = "gathering_reminders"

LIVE = {"_deleted": {"$ne": True}}
# What says who a registrant is: erased after the retention period (counts stay).
ERASED_FIELDS = ("name", "email", "line_user_id", "user_id")

# Channel events of this domain (API.md): the event itself, or counts only.
CREATED, UPDATED, CANCELLED = "event.created", "event.updated", "event.cancelled"
REGISTRATION, ARRIVAL = "event.registration", "event.arrival"


def channel_of(hub_id: str) -> str:
    return f"hub:{hub_id}"


def new_code() -> str:
    return "".join(secrets.choice(EVENT_CODE_ALPHABET) for _ in range(EVENT_CODE_CHARS))


def event_out(doc: Doc) -> EventOut:
    return EventOut(
        id=doc["_id"],
        title=doc["title"],
        description=doc.get("description") or "",
        hub_id=doc["hub_id"],
        starts_at=doc["starts_at"],
        ends_at=doc["ends_at"],
        capacity=doc["capacity"],
        visibility=doc["visibility"],
        online_url=doc.get("online_url"),
        status=doc["status"],
        registered=doc.get("registered", 0),
        waitlisted=doc.get("waitlisted", 0),
        attended=doc.get("attended", 0),
    )


def event_data(doc: Doc) -> dict[str, Any]:
    """``data`` of ``event.created/updated/cancelled``: the event as the API shows it (no names)."""
    return event_out(doc).model_dump(mode="json")


def counts_data(doc: Doc) -> dict[str, Any]:
    return CountsData(
        event_id=doc["_id"],
        registered=doc.get("registered", 0),
        waitlisted=doc.get("waitlisted", 0),
        attended=doc.get("attended", 0),
    ).model_dump(mode="json")


def registration_out(doc: Doc) -> RegistrationOut:
    return RegistrationOut(
        id=doc["_id"],
        event_id=doc["event_id"],
        name=doc.get("name"),
        party_size=doc["party_size"],
        status=doc["status"],
        code=doc["code"],
    )


def registration_row(doc: Doc) -> RegistrationRow:
    return RegistrationRow(
        **registration_out(doc).model_dump(),
        arrived=doc.get("arrived_at") is not None,
        arrived_at=doc.get("arrived_at"),
        registered_at=doc["registered_at"],
        email=doc.get("email"),
        line=bool(doc.get("line_user_id")),
        erased=doc.get("erased_at") is not None,
    )


def stored(doc: Doc) -> Doc:
    """A document as ops write it: the event log adds ``_seq`` and ``_deleted`` itself."""
    return {k: v for k, v in doc.items() if k not in ("_seq", "_deleted")}


def put(collection: str, doc: Doc) -> Put:
    return Put(collection=collection, doc=stored(doc))


def new_registration(
    registration_id: str,
    *,
    event: Doc,
    code: str,
    name: str,
    party_size: int,
    status: str,
    order: int,
    at: datetime,
    email: str | None,
    line_user_id: str | None,
    user_id: str | None,
    locale: str,
) -> Doc:
    return {
        "_id": registration_id,
        "event_id": event["_id"],
        "hub_id": event["hub_id"],
        "code": code,
        "name": name,
        "email": email,
        "line_user_id": line_user_id,
        "user_id": user_id,
        "locale": locale,
        "party_size": party_size,
        "status": status,
        # Arrival order: the waiting list is served in it (the channel hands out one number at a time).
        "order": order,
        "registered_at": at,
        "cancelled_at": None,
        "arrived_at": None,
        "checkin_id": None,
        "erased_at": None,
    }


def redact_event(event: Event) -> Event:
    """The copy of a ``hub:`` event for a subscriber who may only see counts (partners): an internal
    event is known by its id and counts only, never its title or description (API.md: internal
    events are for admins and members)."""
    if event.event not in (CREATED, UPDATED, CANCELLED) or event.data.get("visibility") != "internal":
        return event
    keep = ("id", "hub_id", "visibility", "status", "registered", "waitlisted", "attended")
    return event.model_copy(update={"data": {k: event.data.get(k) for k in keep}, "actor": None})
