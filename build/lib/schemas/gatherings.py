"""Events at the hubs on the wire (API.md, "Events at the hubs"). Called "gatherings" in the code:
``hub/events/`` is the event log."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, StringConstraints, field_validator, model_validator

from hub.limits import (
    EVENT_CAPACITY_MAX,
    EVENT_CODE_ALPHABET,
    EVENT_CODE_CHARS,
    EVENT_PARTY_MAX,
    MAX_EVENT_URL_CHARS,
)
from schemas.common import Moment, Out, Strict, UtcDatetime
from schemas.text import Email, Id, Name, Text, Title

Visibility = Literal["public", "internal"]
EventStatus = Literal["scheduled", "cancelled"]
RegistrationStatus = Literal["registered", "waitlisted", "cancelled"]

OnlineUrl = Annotated[
    str, StringConstraints(min_length=8, max_length=MAX_EVENT_URL_CHARS, pattern=r"^https?://[^\s]+$")
]
# A LINE user id as LINE gives it: "U" and 32 hexadecimal digits.
LineUserId = Annotated[str, StringConstraints(pattern=r"^U[0-9a-f]{32}$")]


def _code_as_typed(value: object) -> object:
    # People type codes in lower case, with spaces around: accept them as the code they mean.
    return value.strip().upper() if isinstance(value, str) else value


Code = Annotated[
    str,
    BeforeValidator(_code_as_typed),
    StringConstraints(
        min_length=EVENT_CODE_CHARS, max_length=EVENT_CODE_CHARS, pattern=f"^[{EVENT_CODE_ALPHABET}]+$"
    ),
]
Capacity = Annotated[int, Field(ge=1, le=EVENT_CAPACITY_MAX)]
PartySize = Annotated[int, Field(ge=1, le=EVENT_PARTY_MAX)]


class EventBody(Strict):
    """``POST /api/events`` (admin, member)."""

    title: Title
    description: Text = ""
    hub_id: Id
    starts_at: Moment
    ends_at: Moment
    capacity: Capacity
    visibility: Visibility = "public"
    online_url: OnlineUrl | None = None

    @model_validator(mode="after")
    def _ends_after_start(self) -> EventBody:
        if self.starts_at.tzinfo is None or self.ends_at.tzinfo is None:
            raise ValueError("starts_at and ends_at need a time zone (Z or an offset)")
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must come after starts_at")
        return self


class EventPatch(Strict):
    """``PATCH /api/events/{id}`` (its creator, admins): any field of ``EventBody``."""

    title: Title | None = None
    description: Text | None = None
    hub_id: Id | None = None
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    capacity: Capacity | None = None
    visibility: Visibility | None = None
    online_url: OnlineUrl | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> EventPatch:
        for name in self.model_fields_set - {"online_url", "description"}:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null; leave it out to keep it")
        for name in ("starts_at", "ends_at"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValueError(f"{name} needs a time zone (Z or an offset)")
        return self


class EventOut(Out):
    id: str
    title: str
    description: str
    hub_id: str
    starts_at: UtcDatetime
    ends_at: UtcDatetime
    capacity: int
    visibility: Visibility
    online_url: str | None
    status: EventStatus
    # Seat counts: seats taken, seats asked for on the waiting list, seats of registrants who arrived.
    registered: int
    waitlisted: int
    attended: int


class PublicEventOut(EventOut):
    """A public event as anyone sees it: its hub's name, and how long registrants' data are kept
    (APPI: said before anyone registers)."""

    hub_name: str
    retention_days: int


class EventsQuery(Strict):
    from_: Moment | None = Field(default=None, alias="from")
    to: Moment | None = None
    hub_id: Id | None = None


class PublicRegistrationBody(Strict):
    """``POST /api/public/events/{id}/registrations``: no account; consent is required by APPI."""

    name: Name
    email: Email | None = None
    line_user_id: LineUserId | None = None
    party_size: PartySize = 1
    locale: Literal["ja", "en"] = "ja"
    consent: Literal[True] = Field(
        description="The registrant agreed after being shown what is kept and for how long."
    )

    @field_validator("consent", mode="before")
    @classmethod
    def _consent_is_true(cls, value: object) -> object:
        if value is not True:
            raise ValueError("consent (true) is required to record a registration")
        return value


class MemberRegistrationBody(Strict):
    """``POST /api/events/{id}/registrations``: a signed-in user, in one click."""

    party_size: PartySize = 1


class CancelBody(Strict):
    code: Code


class RegistrationOut(Out):
    id: str
    event_id: str
    name: str | None
    party_size: int
    status: RegistrationStatus
    code: str


class RegistrationRow(RegistrationOut):
    """One registration as its event's host sees it (``GET /api/events/{id}/registrations``)."""

    arrived: bool
    arrived_at: UtcDatetime | None
    registered_at: UtcDatetime
    email: str | None
    line: bool
    erased: bool


class CountsData(Out):
    """``data`` of ``event.registration`` and ``event.arrival`` on ``hub:{id}``: counts, never names."""

    event_id: str
    registered: int
    waitlisted: int
    attended: int


class ArrivalBody(Strict):
    """``POST /api/hubs/{hub_id}/checkins`` with a registration's code (kiosk, admins, members)."""

    registration_code: Code
