"""Opaque identifiers. A creation that carries an Idempotency-Key gets an id derived from it, so a
retried request collides with its first attempt on the primary key instead of creating a twin."""

from __future__ import annotations

import hashlib
import secrets


def new_id() -> str:
    return secrets.token_hex(12)


def idempotent_id(*, caller_id: str, scope: str, key: str | None) -> str:
    if not key:
        return new_id()
    digest = hashlib.sha256(f"{caller_id}\x1f{scope}\x1f{key}".encode()).hexdigest()
    return digest[:24]
