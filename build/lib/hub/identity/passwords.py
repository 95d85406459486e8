"""Password hashing with argon2id; verification costs the same whether or not the account exists."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so that a miss takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("dejima-timing-equaliser")


async def hash_password(password: str) -> str:
    # argon2 is deliberately slow (~50 ms): keep it off the event loop.
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(stored_hash: str | None, password: str) -> bool:
    def _verify() -> bool:
        try:
            return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(_verify)
