"""Reaching residents on the wire (API.md, "Reaching residents"): topics, e-mail subscriptions,
statistics, the public archive and its reading aids."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SerializerFunctionWrapHandler, field_validator, model_serializer

from hub.limits import MAX_RESIDENT_TOPICS, PUBLIC_PAGE_DEFAULT
from schemas.common import Out, Strict, UtcDatetime
from schemas.text import Email

TOPIC_KEY = r"^[a-z0-9-]{1,32}$"
TopicKey = str


class TopicName(Strict):
    ja: str = Field(min_length=1, max_length=60)
    en: str = Field(min_length=1, max_length=60)


class TopicIn(Strict):
    key: str = Field(pattern=TOPIC_KEY)
    name: TopicName


class TopicOut(Out):
    key: str
    name: TopicName


def _distinct_keys(value: list[str]) -> list[str]:
    return list(dict.fromkeys(value))


class SubscriptionIn(Strict):
    email: Email
    topics: list[str] = Field(default_factory=list, max_length=MAX_RESIDENT_TOPICS)
    locale: Literal["ja", "en"] = "ja"

    @field_validator("topics")
    @classmethod
    def _keys(cls, value: list[str]) -> list[str]:
        return _distinct_keys(value)


class SubscriptionAccepted(Out):
    status: Literal["pending"] = "pending"


class ConfirmIn(Strict):
    token: str = Field(min_length=10, max_length=200)


class SubscriptionOut(Out):
    status: Literal["confirmed", "unsubscribed"]
    topics: list[str] = Field(default_factory=list)


class TopicCount(Out):
    key: str
    followers: int
    subscribers: int


class ResidentStats(Out):
    followers: int
    subscribers: int
    # E-mail addresses waiting for their owner to confirm (not counted in ``subscribers``).
    pending_subscribers: int
    unfollows: int
    topics: list[TopicCount]


class Segment(Out):
    text: str
    # Hiragana, only on segments with kanji; left out of the others (API.md: {"text": "の"}).
    ruby: str | None = None

    @model_serializer(mode="wrap")
    def _without_empty_ruby(self, handler: SerializerFunctionWrapHandler):  # type: ignore[no-untyped-def]
        dumped: dict[str, object] = handler(self)
        if dumped.get("ruby") is None:
            dumped.pop("ruby", None)
        return dumped


class ReadingIn(Strict):
    text: str = Field(min_length=1, max_length=20_000)


class ReadingOut(Out):
    reading: list[Segment]


class PublicAnnouncementOut(Out):
    id: str
    title: str
    body: str
    title_en: str | None = None
    body_en: str | None = None
    priority: Literal["normal", "urgent"]
    topics: list[str] = Field(default_factory=list)
    published_at: UtcDatetime
    expires_at: UtcDatetime | None = None
    # Only with ?reading=1: the title's and the body's segments (joined, each is the original text).
    reading: dict[str, list[Segment]] | None = None


class PublicPage(Out):
    items: list[PublicAnnouncementOut]
    next_cursor: str | None = None


class PublicQuery(Strict):
    topic: str | None = Field(default=None, pattern=TOPIC_KEY)
    cursor: str | None = Field(default=None, max_length=200)
    limit: int = Field(default=PUBLIC_PAGE_DEFAULT, ge=1, le=100)


class PublicOneQuery(Strict):
    reading: bool = False
