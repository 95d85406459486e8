"""Accounts: the ``users`` collection. E-mail addresses are unique and compared case-insensitively."""

from __future__ import annotations

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from hub.doc import Doc
from hub.errors import Conflict
from hub.identity.passwords import Passwords
from hub.ids import new_id
from hub.principal import Principal
from hub.storage.marks import ChangeMarks, NoChangeMarks
from schemas.common import utc_now
from schemas.identity import Locale, Role, UserAdminOut, UserOut


def normalise_email(email: str) -> str:
    return email.strip().casefold()


class UserStore:
    def __init__(
        self, db: AsyncDatabase[Doc], *, marks: ChangeMarks | None = None, passwords: Passwords | None = None
    ) -> None:
        self._users = db["users"]
        # How the stored password hashes are made and checked (their cost comes from the settings).
        self.passwords = passwords or Passwords()
        # A changed account is marked, so that no instance reuses whom a session was before it.
        self._marks = marks or NoChangeMarks()

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
            "password_hash": None if password is None else await self.passwords.hash(password),
            "disabled": False,
            "created_at": utc_now(),
        }
        try:
            await self._users.insert_one(doc)
        except DuplicateKeyError as error:
            existing = None if user_id is None else await self._users.find_one({"_id": user_id})
            if existing is not None:
                return to_user_out(existing)  # an idempotent retry: the first answer again
            raise _email_taken() from error
        return to_user_out(doc)

    async def update(self, user_id: str, fields: Doc) -> Doc | None:
        """Set ``fields`` (already validated) and return the account as it is now."""
        if "email" in fields:
            fields = {**fields, "email": normalise_email(fields["email"])}
        try:
            # update_one, not find_one_and_update: nx-27017 answers a unique-index violation in
            # findAndModify with "no document" instead of a duplicate key error.
            await self._users.update_one({"_id": user_id}, {"$set": fields})
        except DuplicateKeyError as error:
            raise _email_taken() from error
        await self._marks.mark(f"account:{user_id}")
        return await self.get(user_id)

    async def find(self, *, role: Role | None = None, org_id: str | None = None) -> list[Doc]:
        query: Doc = {}
        if role is not None:
            query["role"] = role
        if org_id is not None:
            query["org_id"] = org_id
        return await self._users.find(query).sort("email", ASCENDING).to_list()

    async def names(self, user_ids: list[str]) -> dict[str, Doc]:
        """The accounts of these ids (missing ones left out), for showing names next to ids."""
        if not user_ids:
            return {}
        docs = await self._users.find({"_id": {"$in": user_ids}}).to_list()
        return {doc["_id"]: doc for doc in docs}

    async def with_line_user_id(self, line_user_id: str) -> list[Doc]:
        return await self._users.find({"line_user_id": line_user_id}).to_list()

    async def ids_for_notices(self, *, home_hubs: list[str] | None = None) -> list[str]:
        """People (not kiosks) with an active account, optionally only those with one of these home hubs."""
        query: Doc = {"role": {"$in": ["admin", "member", "partner"]}, "disabled": {"$ne": True}}
        if home_hubs is not None:
            query["home_hub"] = {"$in": home_hubs}
        return [doc["_id"] for doc in await self._users.find(query, {"_id": 1}).to_list()]

    async def count_active_admins(self) -> int:
        return await self._users.count_documents({"role": "admin", "disabled": {"$ne": True}})

    async def get(self, user_id: str) -> Doc | None:
        return await self._users.find_one({"_id": user_id})

    async def by_email(self, email: str) -> Doc | None:
        return await self._users.find_one({"email": normalise_email(email)})

    async def any_admin(self) -> bool:
        return await self._users.find_one({"role": "admin"}) is not None


def _email_taken() -> Conflict:
    return Conflict(
        "a user with this e-mail address exists",
        details={"fields": [{"path": "email", "message": "already in use", "type": "conflict"}]},
    )


def to_user_out(doc: Doc) -> UserOut:
    return UserOut.model_validate({**doc, "id": doc["_id"], "disabled": bool(doc.get("disabled"))})


def to_user_admin_out(doc: Doc) -> UserAdminOut:
    return UserAdminOut.model_validate({**doc, "id": doc["_id"], "disabled": bool(doc.get("disabled"))})


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
