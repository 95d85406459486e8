"""Collections of the residents domain and the ids that make each write happen once.

Followers and subscribers are people without an account whose personal data (a LINE user id, an
e-mail address) must be erasable at once when they leave. The event log keeps events for days, so
these collections are written directly, each change one single-document atomic update, and never
logged; topics (no personal data) are logged on the ``residents`` channel.
"""

from __future__ import annotations

import hashlib

from hub.doc import Doc
from schemas.residents import TopicName, TopicOut

TOPICS = "resident_topics"
FOLLOWERS = "line_followers"
SUBSCRIBERS = "email_subscribers"
# One per (announcement, follower) who pressed 確認しました; erased with the follower.
ACKS = "resident_acks"
# Counters without personal data: {"_id": "unfollows", "n": …}.
COUNTERS = "resident_counters"

CHANNEL = "residents"


def follower_id(line_user_id: str) -> str:
    """A stable id that does not show the LINE user id (it appears in delivery ids and logs)."""
    return "lf_" + hashlib.sha256(line_user_id.encode()).hexdigest()[:24]


def cause_id(announcement_id: str) -> str:
    """The outbox cause of an announcement's deliveries to residents."""
    return f"residents:{announcement_id}"


def reminder_cause_id(announcement_id: str) -> str:
    return f"residents.reminder:{announcement_id}"


def line_delivery_id(announcement_id: str, follower: str) -> str:
    return f"rl_{announcement_id}_{follower}"


def email_delivery_id(announcement_id: str, subscriber: str) -> str:
    return f"re_{announcement_id}_{subscriber}"


def ack_id(announcement_id: str, follower: str) -> str:
    return f"{announcement_id}:{follower}"


def topic_out(doc: Doc) -> TopicOut:
    return TopicOut(key=doc["_id"], name=TopicName.model_validate(doc["name"]))
