"""Accounts: the ``users`` collection. E-mail addresses are unique and compared case-insensitively."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from hub.errors import Conflict
from hub.identity.passwords import hash_password
from hub.identity.principal import Principal
from hub.ids import new_id
from schemas.common import utc_now
from schemas.identity import Locale, Role, UserOut

Doc = dict[str, Any]


def normalise_email(email: str) -> str:
    return email.strip().casefold()


class UserStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._users = db["users"]

    async def ensure_indexes(self) -> None:
        await self._users.create_index("email", unique=True)

    async def create(
        self,
        *,
        email: str,
        name: str,
        role: Role,
        password: str | None = None,
        org_id: str | None = None,
        locale: Locale = "ja",
        home_hub: str | None = None,
        hub_id: str | None = None,
        line_user_id: str | None = None,
        user_id: str | None = None,
    ) -> UserOut:
        doc: Doc = {
            "_id": user_id or new_id(),
            "email": normalise_email(email),
            "name": name,
            "role": role,
            "org_id": org_id,
            "locale": locale,
            "home_hub": home_hub,
            "hub_id": hub_id,
            "line_user_id": line_user_id,
            "password_hash": None if password is None else await hash_password(password),
            "created_at": utc_now(),
        }
        try:
            await self._users.insert_one(doc)
        except DuplicateKeyError as error:
            raise Conflict("a user with this e-mail address exists", details={"field": "email"}) from error
        return to_user_out(doc)

    async def get(self, user_id: str) -> Doc | None:
        return await self._users.find_one({"_id": user_id})

    async def by_email(self, email: str) -> Doc | None:
        return await self._users.find_one({"email": normalise_email(email)})

    async def any_admin(self) -> bool:
        return await self._users.find_one({"role": "admin"}) is not None


def to_user_out(doc: Doc) -> UserOut:
    return UserOut.model_validate({**doc, "id": doc["_id"]})


def to_principal(doc: Doc, *, session_id: str) -> Principal:
    return Principal(
        id=doc["_id"],
        name=doc["name"],
        email=doc["email"],
        role=doc["role"],
        org_id=doc.get("org_id"),
        locale=doc.get("locale") or "ja",
        home_hub=doc.get("home_hub"),
        hub_id=doc.get("hub_id"),
        session_id=session_id,
    )
