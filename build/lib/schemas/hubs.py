"""Hubs and check-ins on the wire (API.md, Hubs and check-in)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field, field_validator, model_validator

from schemas.common import Day, Out, Strict, UtcDatetime
from schemas.text import single_line

Purpose = Literal["work", "meeting", "event", "visit", "other"]
PURPOSES: tuple[Purpose, ...] = ("work", "meeting", "event", "visit", "other")
CheckinKind = Literal["member", "visitor"]
# Why a check-in ended: the person, staff or a kiosk, the hub closing, or checking in at the other hub.
EndReason = Literal["self", "staff", "kiosk", "closing", "moved"]

# Limits of the text a visitor types (kept here so that schemas import nothing of ours):
# a name or an organisation as long as any real one, a contact as long as an e-mail address may be.
MAX_NAME_CHARS = 100
MAX_CONTACT_CHARS = 254

_HHMM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


def _plain_text(value: str) -> str:
    """One line of text a person typed (schemas/text.py's rule), with its outer spaces dropped."""
    return single_line(value).strip()


def _hhmm(value: str) -> str:
    if not _HHMM.match(value):
        raise ValueError('must be a time of day "HH:MM" between 00:00 and 23:59')
    return value


Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME_CHARS), AfterValidator(_plain_text)]
Contact = Annotated[str, Field(min_length=1, max_length=MAX_CONTACT_CHARS), AfterValidator(_plain_text)]
TimeOfDay = Annotated[str, AfterValidator(_hhmm)]


class HubOut(Out):
    id: str
    name: str
    timezone: str
    capacity: int
    occupancy: int
    open: str
    close: str


class HubPatch(Strict):
    """``PATCH /api/hubs/{id}`` (admin). ``timezone`` is an addition to the contract (an IANA name)."""

    name: Name | None = None
    capacity: int | None = Field(default=None, ge=1, le=10_000)
    open: TimeOfDay | None = None
    close: TimeOfDay | None = None
    timezone: str | None = Field(default=None, min_length=1, max_length=64)

    @model_validator(mode="after")
    def _no_nulls(self) -> HubPatch:
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null; leave it out to keep it")
        return self


class SelfCheckinBody(Strict):
    """A signed-in user checking themselves in: ``{}``; ``purpose`` (default ``work``) is an addition."""

    purpose: Purpose = "work"


class VisitorCheckinBody(Strict):
    """A visitor checked in by that hub's kiosk or by staff. Consent is required by APPI."""

    name: Name
    organization: Name | None = None
    purpose: Purpose
    contact: Contact | None = None
    consent: Literal[True] = Field(
        description="The visitor agreed after being shown the purpose of collecting these data."
    )

    @field_validator("consent", mode="before")
    @classmethod
    def _consent_is_true(cls, value: object) -> object:
        if value is not True:
            raise ValueError("the visitor's consent (true) is required to record their data")
        return value


VISITOR_FIELDS = frozenset({"name", "organization", "contact", "consent"})


class CheckinOut(Out):
    """A check-in. ``name``, ``organization``, ``user_id`` and ``contact`` are left out for callers
    who may not see who is in; ``contact`` is shown to staff only; erased visitors have ``name: null``."""

    id: str
    hub_id: str
    name: str | None = None
    checked_in_at: UtcDatetime
    checked_out_at: UtcDatetime | None = None
    kind: CheckinKind
    purpose: Purpose
    user_id: str | None = None
    organization: str | None = None
    contact: str | None = None
    ended_by: EndReason | None = None
    erased: bool = False
    # The event a registrant arrived for (a check-in by registration code, API.md "Events at the hubs").
    event_id: str | None = None


class OccupancyData(Out):
    """``data`` of a ``hub.occupancy`` event: the number of people in after a change."""

    hub_id: str
    occupancy: int
    capacity: int


class HubSnapshot(Out):
    """``GET /api/hubs/{id}/snapshot`` (an addition): the hub and who is in, exactly as at ``seq`` of
    channel ``hub:{id}``. ``checkins`` is null for callers who may only see counts."""

    hub: HubOut
    seq: int
    checkins: list[CheckinOut] | None
    # Shown to visitors before they consent: how long their name and contact are kept.
    visitor_retention_days: int


class DateRangeQuery(Strict):
    from_: Day | None = Field(default=None, alias="from")
    to: Day | None = None


class CheckinsQuery(DateRangeQuery):
    active: bool = False


class DayStats(Out):
    date: date
    total: int
    by_purpose: dict[str, int]


class EventAttendance(Out):
    """An event at the hub in the stats' range: seats registered and seats of registrants who came."""

    event_id: str
    title: str
    starts_at: UtcDatetime
    status: str
    capacity: int
    registered: int
    attended: int


class StatsOut(Out):
    model_config = ConfigDict(extra="ignore", serialize_by_alias=True)

    hub_id: str
    timezone: str
    from_: date = Field(serialization_alias="from")
    to: date
    total: int
    by_purpose: dict[str, int]
    days: list[DayStats]
    # Events at the hubs (an addition): attendance of each event that starts in the range.
    events: list[EventAttendance] = Field(default_factory=list)


class ErasureOut(Out):
    id: str
    hub_id: str
    erased_at: UtcDatetime
