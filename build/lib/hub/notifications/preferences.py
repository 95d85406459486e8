"""Per-user notification preferences (collection ``preferences``, owned by the ``user:{id}`` channel).
What quiet hours hold back: hub/notifications/quiet_hours.py. Design note: docs/notifications.md.

Defaults for someone who never saved preferences: e-mail on, LINE on (it only matters once a LINE
account is linked), no quiet hours, the locale of their account. The locale is kept on the account
too, so ``GET /api/me`` and every message agree.
"""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from hub.doc import Doc
from hub.errors import NotFound
from hub.events.log import Decision, EventLog, Unchanged
from hub.identity.users import UserStore
from hub.notifications.channel import user_channel
from schemas.events import Actor, Change, Put
from schemas.notifications import PreferencesIn, PreferencesOut

COLLECTION = "preferences"


class PreferenceStore:
    def __init__(self, db: AsyncDatabase[Doc], *, events: EventLog, users: UserStore) -> None:
        self._prefs = db[COLLECTION]
        self._events = events
        self._users = users

    async def of_user(self, user: Doc) -> PreferencesOut:
        doc = await self._prefs.find_one({"_id": user["_id"], "_deleted": {"$ne": True}})
        return _to_out(doc, user)

    async def of_users(self, users: list[Doc]) -> dict[str, PreferencesOut]:
        """The preferences of many people in one query, by user id."""
        ids = [user["_id"] for user in users]
        docs = await self._prefs.find({"_id": {"$in": ids}, "_deleted": {"$ne": True}}).to_list()
        stored = {doc["_id"]: doc for doc in docs}
        return {user["_id"]: _to_out(stored.get(user["_id"]), user) for user in users}

    async def put(self, user_id: str, body: PreferencesIn, *, actor: Actor | None) -> PreferencesOut:
        found = await self._users.get(user_id)
        if found is None:
            raise NotFound("no such user")
        user: Doc = found
        stored: Doc = {"_id": user_id, **body.model_dump(mode="json")}

        async def decide() -> Decision:
            current = await self._prefs.find_one({"_id": user_id, "_deleted": {"$ne": True}})
            if current is not None and all(current.get(k) == v for k, v in stored.items()):
                return Unchanged()
            return Change(
                event="preferences.updated",
                data=_to_out(stored, user).model_dump(mode="json"),
                ops=[Put(collection=COLLECTION, doc=stored)],
            )

        await self._events.commit(user_channel(user_id), decide, actor=actor)
        if user.get("locale") != body.locale:
            user = await self._users.update(user_id, {"locale": body.locale}) or user
        return await self.of_user(user)

    async def turn_off_email(self, user_id: str) -> bool:
        """The one-click unsubscribe: e-mail off, everything else as it was. False: no such user."""
        user = await self._users.get(user_id)
        if user is None:
            return False
        current = await self.of_user(user)
        if current.email:
            body = PreferencesIn.model_validate(
                {**current.model_dump(exclude={"line_linked"}), "email": False}
            )
            await self.put(user_id, body, actor=None)
        return True

    async def turn_off_digest(self, user_id: str) -> bool:
        """The digest's one-click unsubscribe: no more digests, everything else as it was."""
        user = await self._users.get(user_id)
        if user is None:
            return False
        current = await self.of_user(user)
        if current.digest != "off":
            body = PreferencesIn.model_validate(
                {**current.model_dump(exclude={"line_linked"}), "digest": "off"}
            )
            await self.put(user_id, body, actor=None)
        return True

    async def with_digest(self) -> list[Doc]:
        """The stored preferences of everyone who asked for a daily digest (an index of ``digest``)."""
        return await self._prefs.find({"digest": "daily", "_deleted": {"$ne": True}}).to_list()

    async def ensure_indexes(self) -> None:
        await self._prefs.create_index("digest")


def to_out(doc: Doc | None, user: Doc) -> PreferencesOut:
    return _to_out(doc, user)


def _to_out(doc: Doc | None, user: Doc) -> PreferencesOut:
    linked = bool(user.get("line_user_id"))
    if doc is None:
        return PreferencesOut(
            email=True, line=True, quiet_hours=None, locale=user.get("locale") or "ja", line_linked=linked
        )
    return PreferencesOut.model_validate({**doc, "line_linked": linked})
