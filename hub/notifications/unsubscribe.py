"""Signed one-click unsubscribe links (RFC 8058) for the e-mails Dejima sends.

The link carries the user id and an HMAC of it keyed with ``settings.secret_key``: whoever holds the
e-mail may turn e-mail off for that one person, and nobody can forge a link for someone else. It
never expires (a link in an old e-mail must still work) and only ever turns e-mail *off*.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote

_PURPOSE = b"dejima.unsubscribe.email\x1f"
PATH = "/api/unsubscribe"


def sign(user_id: str, *, secret_key: str) -> str:
    digest = hmac.new(secret_key.encode(), _PURPOSE + user_id.encode(), hashlib.sha256).digest()
    signature = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return f"{user_id}.{signature}"


def verify(token: str, *, secret_key: str) -> str | None:
    """The user id of a valid token, else None (compared in constant time)."""
    user_id, _, _ = token.rpartition(".")
    if not user_id or len(token) > 200:
        return None
    return user_id if hmac.compare_digest(sign(user_id, secret_key=secret_key), token) else None


def url(user_id: str, *, secret_key: str, public_url: str) -> str:
    return f"{public_url.rstrip('/')}{PATH}?token={quote(sign(user_id, secret_key=secret_key), safe='')}"
