"""Stored shapes of hubs and check-ins, and the copies of them each caller may see."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hub.doc import Doc
from hub.errors import HubFull
from schemas.events import Event, Put
from schemas.hubs import CheckinOut, HubOut

HUBS = "hubs"
CHECKINS = "checkins"

# The two hubs of the contract, created on start when missing; admins change them afterwards.
DEFAULT_HUBS: tuple[Doc, ...] = (
    {"_id": "bandai", "name": "磐梯ハブ", "timezone": "Asia/Tokyo", "capacity": 30, "open": "09:00",
     "close": "18:00"},
    {"_id": "shibuya", "name": "渋谷ハブ", "timezone": "Asia/Tokyo", "capacity": 20, "open": "09:00",
     "close": "21:00"},
)  # fmt: skip

# Fields of a check-in that say who the person is: left out of every copy for callers who may only
# see counts, and erased from visitors' check-ins after the retention period.
IDENTIFYING = ("name", "organization", "user_id", "contact")
ERASED_FIELDS = ("name", "organization", "contact")

LIVE = {"_deleted": {"$ne": True}}
# ``{"$eq": None}``, not ``None``: nx-27017's count_documents misses ``{field: None}`` (find does not).
OPEN = {"checked_out_at": {"$eq": None}}


def channel_of(hub_id: str) -> str:
    return f"hub:{hub_id}"


def hub_out(doc: Doc, *, occupancy: int) -> HubOut:
    return HubOut(
        id=doc["_id"],
        name=doc["name"],
        timezone=doc["timezone"],
        capacity=doc["capacity"],
        occupancy=occupancy,
        open=doc["open"],
        close=doc["close"],
    )


def checkin_out(doc: Doc, *, names: bool, contact: bool) -> CheckinOut:
    """The check-in as one caller may see it: ``names`` for those who may see who is in,
    ``contact`` for staff only."""
    fields = {k: doc.get(k) for k in CheckinOut.model_fields if k not in ("id", "erased")}
    if not names:
        for key in IDENTIFYING:
            fields[key] = None
    if not contact:
        fields["contact"] = None
    return CheckinOut.model_validate({**fields, "id": doc["_id"], "erased": doc.get("erased_at") is not None})


def event_data(doc: Doc) -> dict[str, Any]:
    """``data`` of a ``checkin.*`` event: the check-in without the contact, which no channel carries."""
    return checkin_out(doc, names=True, contact=False).model_dump(mode="json", exclude={"contact"})


def redact_event_data(data: dict[str, Any]) -> dict[str, Any]:
    """The copy of a ``checkin.*`` event's data for a subscriber who may only see counts."""
    return {k: v for k, v in data.items() if k not in IDENTIFYING}


def redact_event(event: Event) -> Event:
    """The copy of a ``hub:`` event for a subscriber who may only see counts: a ``checkin.*`` event
    loses the fields that say who the person is, and its actor (API.md, Realtime)."""
    if not event.event.startswith("checkin."):
        return event
    return event.model_copy(update={"data": redact_event_data(event.data), "actor": None})


def stored(doc: Doc) -> Doc:
    """A document as ops write it: the event log adds ``_seq`` and ``_deleted`` itself."""
    return {k: v for k, v in doc.items() if k not in ("_seq", "_deleted")}


def put_op(collection: str, doc: Doc) -> Put:
    return Put(collection=collection, doc=stored(doc))


def hub_full(hub: Doc, occupancy: int) -> HubFull:
    return HubFull(
        f"the hub is full ({occupancy} of {hub['capacity']})",
        details={"capacity": hub["capacity"], "occupancy": occupancy},
    )


def new_checkin(
    checkin_id: str,
    *,
    hub_id: str,
    kind: str,
    user_id: str | None,
    name: str,
    purpose: str,
    at: datetime,
    by: str,
) -> Doc:
    return {
        "_id": checkin_id,
        "hub_id": hub_id,
        "kind": kind,
        "user_id": user_id,
        "name": name,
        "organization": None,
        "purpose": purpose,
        "contact": None,
        "consent_at": None,
        "checked_in_at": at,
        "checked_out_at": None,
        "ended_by": None,
        "erased_at": None,
        "created_by": by,
    }
