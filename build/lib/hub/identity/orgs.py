"""Organisations: the town office, partner companies, nonprofits, universities (collection ``orgs``).

Names are unique regardless of case, so that "Aizu Tech" cannot be registered twice by accident.
"""

from __future__ import annotations

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from hub.doc import Doc
from hub.errors import Conflict
from schemas.common import utc_now
from schemas.identity import OrgKind, OrgOut


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


class OrgStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._orgs = db["orgs"]

    async def ensure_indexes(self) -> None:
        await self._orgs.create_index("name_key", unique=True)

    async def create(self, *, org_id: str, name: str, kind: OrgKind) -> OrgOut:
        """Insert the organisation. An org with this id already (an idempotent retry) is returned."""
        doc: Doc = {
            "_id": org_id,
            "name": name,
            "name_key": _name_key(name),
            "kind": kind,
            "created_at": utc_now(),
        }
        try:
            await self._orgs.insert_one(doc)
        except DuplicateKeyError as error:
            existing = await self._orgs.find_one({"_id": org_id})
            if existing is not None:
                return to_org_out(existing)
            raise Conflict(
                "an organisation with this name exists", details={"fields": [{"path": "name"}]}
            ) from error
        return to_org_out(doc)

    async def get(self, org_id: str) -> OrgOut | None:
        doc = await self._orgs.find_one({"_id": org_id})
        return None if doc is None else to_org_out(doc)

    async def by_name(self, name: str) -> OrgOut | None:
        doc = await self._orgs.find_one({"name_key": _name_key(name)})
        return None if doc is None else to_org_out(doc)

    async def list(self) -> list[OrgOut]:
        docs = await self._orgs.find({}).sort("name_key", ASCENDING).to_list()
        return [to_org_out(doc) for doc in docs]


def to_org_out(doc: Doc) -> OrgOut:
    return OrgOut.model_validate({**doc, "id": doc["_id"]})
