"""Notifications, preferences, deliveries and partner webhooks on the wire
(API.md, Announcements and notifications). Design note: docs/notifications.md."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from hub.limits import MAX_EVENT_NAME_CHARS
from schemas.common import Out, Strict, UtcDatetime
from schemas.identity import Locale
from schemas.text import Title, single_line

Priority = Literal["normal", "urgent"]
# What caused a notification. Announcements and their reminders come from this package; the others
# from boards (assignment, mention) and projects (a join request decided).
NotificationKind = Literal[
    "announcement",
    "announcement.reminder",
    "card.assigned",
    "comment.mention",
    "card.mentioned",
    "card.commented",
    "card.moved",
    "card.due_changed",
    "card.archived",
    "card.due_soon",
    "card.overdue",
    "join_request.decided",
    "line.linked",
]
Digest = Literal["off", "daily"]
DeliveryChannel = Literal["email", "line", "webhook"]
# ``cancelled``: held back (quiet hours) past the announcement's expiry, or its user is gone.
DeliveryState = Literal["pending", "sent", "failed", "cancelled"]

_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class NotificationOut(Out):
    id: str
    user_id: str
    kind: str
    priority: Priority = "normal"
    # Already in the recipient's locale: {title, body, locale, ...} plus what the cause adds
    # (announcement_id, card_id, project_id …).
    data: dict[str, Any]
    created_at: UtcDatetime
    read_at: UtcDatetime | None = None
    read: bool = False


class UnreadCountOut(Out):
    unread: int


class NotificationQuery(Strict):
    unread: bool = False
    limit: int = Field(default=50, ge=1, le=200)


class QuietHours(Strict):
    start: str = Field(description="HH:MM, local time of the user")
    end: str = Field(description="HH:MM; an end before the start spans midnight")

    @field_validator("start", "end")
    @classmethod
    def _clock(cls, value: str) -> str:
        if not _CLOCK.match(value):
            raise ValueError("must be a time of day as HH:MM, for example 22:00")
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.start == self.end:
            raise ValueError("start and end must differ")
        return self


class PreferencesIn(Strict):
    email: bool
    line: bool
    quiet_hours: QuietHours | None
    locale: Locale
    # Extension: an IANA time zone for quiet hours; absent or null means Asia/Tokyo.
    time_zone: str | None = Field(default=None, max_length=64)
    # A daily e-mail listing the notifications still unread (API.md, Finding and reminding).
    digest: Digest = "off"

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError("unknown time zone") from error
        return value


class PreferencesOut(Out):
    email: bool
    line: bool
    quiet_hours: QuietHours | None
    locale: Locale
    time_zone: str | None = None
    digest: Digest = "off"
    # Extension for the preferences page: whether a LINE account is linked.
    line_linked: bool = False


class LineLinkCodeOut(Out):
    code: str
    expires_at: UtcDatetime
    # The bot to send the code to, when configured (DEJIMA_LINE_BOT_ID).
    bot_id: str | None = None
    # Its friend link (DEJIMA_LINE_FRIEND_URL), and the same as a QR code (an SVG of this service).
    friend_url: str | None = None
    friend_qr: str | None = None


class UnsubscribeOut(Out):
    status: Literal["unsubscribed"] = "unsubscribed"


class DeliveryOut(Out):
    id: str
    channel: DeliveryChannel
    state: DeliveryState
    attempts: int
    user_id: str | None = None
    notification_id: str | None = None
    webhook_id: str | None = None
    event_type: str | None = None
    created_at: UtcDatetime
    next_at: UtcDatetime | None = None
    sent_at: UtcDatetime | None = None
    last_error: str | None = None
    last_status: int | None = None


class DeliveryQuery(Strict):
    state: DeliveryState | None = None
    channel: DeliveryChannel | None = None
    limit: int = Field(default=100, ge=1, le=500)


# --- partner webhooks -------------------------------------------------------------------------------

_EVENT_PATTERN = re.compile(r"^(\*|[a-z_]+(\.[a-z_]+)*(\.\*)?)$")


class WebhookIn(Strict):
    # Its shape (scheme, host, port) is checked by hub/notifications/netguard.py, with the address.
    url: Annotated[str, Field(min_length=8, max_length=2000), AfterValidator(single_line)]
    events: list[Annotated[str, Field(min_length=1, max_length=MAX_EVENT_NAME_CHARS)]] = Field(
        min_length=1, max_length=50
    )
    description: Title | None = None

    @field_validator("events")
    @classmethod
    def _patterns(cls, value: list[str]) -> list[str]:
        for name in value:
            if not _EVENT_PATTERN.match(name):
                raise ValueError(f"{name!r} is not an event name (a '*' is allowed only as a suffix)")
        return sorted(set(value))


class WebhookOut(Out):
    id: str
    org_id: str
    url: str
    events: list[str]
    description: str | None = None
    active: bool
    disabled_reason: str | None = None
    created_at: UtcDatetime


class WebhookPatch(Strict):
    active: bool


class WebhookCreatedOut(WebhookOut):
    # Shown once, at creation or rotation (and again for an Idempotency-Key retry of the creation).
    secret: str


class WebhookSecretOut(Out):
    secret: str
    previous_valid_until: UtcDatetime | None


class WebhookPayload(Out):
    """The body of one webhook delivery (API.md: {"id", "type", "channel", "seq", "data", "at"})."""

    id: str
    type: str
    channel: str
    seq: int
    data: dict[str, Any]
    at: UtcDatetime


class LineWebhookBody(Out):
    """What LINE posts to /api/line/webhook; only the parts Dejima reads."""

    destination: str | None = None
    events: list[dict[str, Any]] = Field(default_factory=list)
