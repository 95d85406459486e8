"""Stored shapes of announcements and the copies of them that go on the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hub.doc import Doc
from hub.notifications.times import at
from schemas.announcements import AnnouncementOut

# The author's side: what was written, when it publishes, where it stands. Written directly (it is
# nobody's channel until it is published).
ANNOUNCEMENTS = "announcements"
# One per (announcement, channel) it was posted to: owned by that channel, written only by its events.
POSTS = "announcement_posts"
# One per (announcement, reader): owned by the reader's ``user:`` channel.
ACKS = "announcement_acks"


def ack_id(announcement_id: str, user_id: str) -> str:
    return f"{announcement_id}:{user_id}"


def content_of(doc: Doc) -> dict[str, Any]:
    """The text per locale, as the notification pipeline renders it (messages.render)."""
    english = None
    if doc.get("title_en") and doc.get("body_en"):
        english = {"title": doc["title_en"], "body": doc["body_en"]}
    return {"ja": {"title": doc["title"], "body": doc["body"]}, "en": english}


def to_out(doc: Doc, *, acknowledged_at: datetime | None = None) -> AnnouncementOut:
    return AnnouncementOut.model_validate(
        {
            **doc,
            "id": doc["_id"],
            # "publishing" is an internal step: readers and authors see it published.
            "status": "scheduled" if doc["status"] == "scheduled" else "published",
            "published_at": at(doc.get("published_at_ms")),
            "acknowledged_at": acknowledged_at,
        }
    )
