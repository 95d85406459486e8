"""Who is calling: the signed-in user behind a request or a socket."""

from __future__ import annotations

from dataclasses import dataclass

from schemas.events import Actor
from schemas.identity import Locale, Role


@dataclass(frozen=True, slots=True)
class Principal:
    id: str
    name: str
    email: str
    role: Role
    org_id: str | None
    locale: Locale
    home_hub: str | None
    hub_id: str | None  # kiosks only: the hub the device belongs to
    session_id: str

    @property
    def is_staff(self) -> bool:
        """The DX office: admins and members."""
        return self.role in ("admin", "member")

    @property
    def actor(self) -> Actor:
        return Actor(id=self.id, name=self.name)
