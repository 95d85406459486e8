"""Password hashing with argon2id; verification costs the same whether or not the account exists."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hub import limits


@dataclass(frozen=True)
class PasswordCost:
    """What one hash costs (hub/limits.py says why these defaults). A hash records its own cost, so
    a changed cost applies to passwords set from then on and every stored hash still verifies."""

    time_cost: int = limits.PASSWORD_TIME_COST
    memory_kib: int = limits.PASSWORD_MEMORY_KIB
    parallelism: int = limits.PASSWORD_PARALLELISM


class Passwords:
    def __init__(self, cost: PasswordCost | None = None) -> None:
        cost = cost or PasswordCost()
        self._hasher = PasswordHasher(
            time_cost=cost.time_cost, memory_cost=cost.memory_kib, parallelism=cost.parallelism
        )

    @cached_property
    def _dummy_hash(self) -> str:
        # Verified against when the e-mail is unknown, so that a miss takes as long as a wrong password.
        return self._hasher.hash("dejima-timing-equaliser")

    async def hash(self, password: str) -> str:
        # argon2 is deliberately slow: keep it off the event loop.
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, stored_hash: str | None, password: str) -> bool:
        def _verify() -> bool:
            try:
                matches = self._hasher.verify(stored_hash or self._dummy_hash, password)
                return matches and stored_hash is not None
            except (VerificationError, InvalidHashError):
                return False

        return await asyncio.to_thread(_verify)
