"""Announcements on the wire (API.md, Announcements and notifications).

The contract's body is ``{title, body, audience, priority, publish_at?, expires_at?}``. Dejima's
extension for bilingual notices: ``title`` and ``body`` are the Japanese text (always required), and
``title_en`` / ``body_en`` the optional English text. Each recipient's notification, e-mail and LINE
message use their locale, falling back to Japanese when no English text was given.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, SerializerFunctionWrapHandler, field_validator, model_serializer, model_validator

from hub.limits import MAX_RESIDENT_TOPICS
from schemas.common import Moment, Out, Strict, UtcDatetime
from schemas.text import RequiredText, Title

# A notice to more than this many hubs or projects at once is a notice to everyone.
_AUDIENCE_IDS = 100

Priority = Literal["normal", "urgent"]
AnnouncementStatus = Literal["scheduled", "published"]


_KINDS = ("all", "hubs", "projects", "topics", "residents")


class Audience(Strict):
    all: Literal[True] | None = None
    hubs: list[str] | None = Field(default=None, min_length=1, max_length=_AUDIENCE_IDS)
    projects: list[str] | None = Field(default=None, min_length=1, max_length=_AUDIENCE_IDS)
    # Residents (API.md, Reaching residents): LINE followers and e-mail subscribers of any of these
    # topics, or every follower and confirmed subscriber.
    topics: list[str] | None = Field(default=None, min_length=1, max_length=MAX_RESIDENT_TOPICS)
    residents: Literal[True] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Audience:
        given = [name for name in _KINDS if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(
                'give exactly one of {"all": true}, {"hubs": [...]}, {"projects": [...]}, '
                '{"topics": [...]} or {"residents": true}'
            )
        return self

    @field_validator("hubs", "projects", "topics")
    @classmethod
    def _distinct(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        if any(not item or len(item) > 100 for item in value):
            raise ValueError("ids are non-empty strings")
        return list(dict.fromkeys(value))

    @model_serializer(mode="wrap")
    def _only_the_given_one(self, handler: SerializerFunctionWrapHandler):  # type: ignore[no-untyped-def]
        # The contract's audience is one of three shapes: {"all": true}, {"hubs": [...]} or
        # {"projects": [...]}; the two unused keys are left out rather than sent as null. No return
        # annotation on purpose: with one, pydantic would describe the audience in OpenAPI by it.
        dumped: dict[str, object] = handler(self)
        return {name: value for name, value in dumped.items() if value is not None}

    @property
    def kind(self) -> Literal["all", "hubs", "projects", "topics", "residents"]:
        if self.all:
            return "all"
        if self.residents:
            return "residents"
        if self.topics is not None:
            return "topics"
        return "hubs" if self.hubs is not None else "projects"

    @property
    def reaches_residents(self) -> bool:
        return self.residents is not None or self.topics is not None


class AnnouncementIn(Strict):
    title: Title
    body: RequiredText
    title_en: Title | None = None
    body_en: RequiredText | None = None
    audience: Audience
    priority: Priority = "normal"
    # In the public archive (/news, /news.atom) for anyone to read, without signing in.
    public: bool = False
    publish_at: Moment | None = None
    expires_at: Moment | None = None

    @field_validator("publish_at", "expires_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("give a time zone, for example 2026-11-27T05:00:00Z")
        return value

    @model_validator(mode="after")
    def _english_pair(self) -> AnnouncementIn:
        if (self.title_en is None) != (self.body_en is None):
            raise ValueError("give both title_en and body_en, or neither")
        return self


class AnnouncementOut(Out):
    id: str
    title: str
    body: str
    title_en: str | None = None
    body_en: str | None = None
    audience: Audience
    priority: Priority
    public: bool = False
    status: AnnouncementStatus
    publish_at: UtcDatetime | None = None
    published_at: UtcDatetime | None = None
    expires_at: UtcDatetime | None = None
    author_id: str
    created_at: UtcDatetime
    # Only in what a recipient reads (GET /api/announcements): when they acknowledged it.
    acknowledged_at: UtcDatetime | None = None


class AckEntry(Out):
    user_id: str
    at: UtcDatetime


class AckPerson(Out):
    user_id: str
    name: str
    home_hub: str | None = None


class ResidentAckCounts(Out):
    sent: int
    acknowledged: int


class AcksOut(Out):
    acknowledged: list[AckEntry]
    pending: list[str]
    # Extension for the author's page: names and home hubs of every recipient (pending by hub).
    people: list[AckPerson] = Field(default_factory=list)
    # When the audience reaches residents: LINE messages sent and 確認しました pressed.
    residents: ResidentAckCounts | None = None


class AnnouncementQuery(Strict):
    # Extension: ``authored=true`` lists what the caller wrote (staff), scheduled ones included.
    authored: bool = False
    # Extension: ``posted=true`` lists what the screens show (the wall): announcements posted on the
    # ``announcements`` and ``hub:`` channels in the last 24 hours, not expired, whoever the caller.
    posted: bool = False
    limit: int = Field(default=100, ge=1, le=500)
