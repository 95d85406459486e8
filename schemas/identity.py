"""People, organisations and sessions on the wire (API.md, People, organisations, roles)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from schemas.common import Out, Strict

Role = Literal["admin", "member", "partner", "kiosk"]
Locale = Literal["ja", "en"]


class LoginBody(Strict):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=1024)


class UserOut(Out):
    id: str
    email: str
    name: str
    role: Role
    org_id: str | None = None
    locale: Locale = "ja"
    home_hub: str | None = None
    hub_id: str | None = None


class LoginOut(Out):
    user: UserOut
    token: str
