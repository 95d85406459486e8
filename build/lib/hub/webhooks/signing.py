"""Webhook signing: the Standard Webhooks signature of every delivery to a partner.

The secret is ``whsec_`` + base64 of 32 random bytes, shown once at registration. A delivery carries
``webhook-id``, ``webhook-timestamp`` and ``webhook-signature: v1,<base64 HMAC-SHA256 of
"id.timestamp.body">`` keyed with the decoded secret; after ``rotate-secret`` the previous secret signs
too, for ``WEBHOOK_ROTATION_OVERLAP_S`` (hub/limits.py), so the receiver can switch without losing a
delivery. Design note: docs/notifications.md.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

from hub.doc import Doc
from hub.notifications.times import ms

SECRET_PREFIX = "whsec_"  # noqa: S105 - the Standard Webhooks prefix, not a secret


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signature(secret: str, *, msg_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def signature_header(secrets_: list[str], *, msg_id: str, timestamp: int, body: bytes) -> str:
    """Space-separated signatures, one per secret in use (Standard Webhooks)."""
    return " ".join(signature(secret, msg_id=msg_id, timestamp=timestamp, body=body) for secret in secrets_)


def signing_secrets(doc: Doc, *, now: datetime) -> list[str]:
    keys = [doc["secret"]]
    if doc.get("previous_secret") and int(doc.get("previous_valid_until_ms") or 0) > ms(now):
        keys.append(doc["previous_secret"])
    return keys
