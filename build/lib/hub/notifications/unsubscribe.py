"""Signed one-click unsubscribe links (RFC 8058) for the e-mails Dejima sends.

The link carries the user id and an HMAC of it keyed with ``settings.secret_key``: whoever holds the
e-mail may turn e-mail off for that one person, and nobody can forge a link for someone else. It
never expires (a link in an old e-mail must still work) and only ever turns e-mail *off*.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Literal
from urllib.parse import quote

_PURPOSES = {"email": b"dejima.unsubscribe.email\x1f", "digest": b"dejima.unsubscribe.digest\x1f"}
PATH = "/api/unsubscribe"
# The digest's own link turns the digest off (and nothing else): a token of another purpose.
DIGEST_PATH = "/api/unsubscribe/digest"
Purpose = Literal["email", "digest"]


def sign(user_id: str, *, secret_key: str, purpose: Purpose = "email") -> str:
    digest = hmac.new(secret_key.encode(), _PURPOSES[purpose] + user_id.encode(), hashlib.sha256).digest()
    signature = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return f"{user_id}.{signature}"


def verify(token: str, *, secret_key: str, purpose: Purpose = "email") -> str | None:
    """The user id of a valid token, else None (compared in constant time)."""
    user_id, _, _ = token.rpartition(".")
    if not user_id or len(token) > 200:
        return None
    expected = sign(user_id, secret_key=secret_key, purpose=purpose)
    return user_id if hmac.compare_digest(expected, token) else None


def url(user_id: str, *, secret_key: str, public_url: str, purpose: Purpose = "email") -> str:
    path = DIGEST_PATH if purpose == "digest" else PATH
    token = quote(sign(user_id, secret_key=secret_key, purpose=purpose), safe="")
    return f"{public_url.rstrip('/')}{path}?token={token}"
