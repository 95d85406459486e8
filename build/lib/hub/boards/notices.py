"""Notifications of boards: a person assigned to a card, mentioned in a comment, or following a card
that was commented on, moved to another column, given another due, or archived (hub/boards/follows.py).

Crash safety (docs/boards.md, "Notifications"): who is to be notified is decided with the change and
stored in its history entry, an op of the same event — so it is exactly as durable as the change.
After the commit each person is told through the one entrance (``Notify``, hub/notify.py) with a
cause derived from that entry; a sweep of recent
entries (``sweep``, run by the worker) creates whatever a process that died in between left out, and
the key makes a repeat a no-op. Limit: an entry older than the sweep window when the sweep first
runs (the worker was down that long) is not revisited.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from hub.boards.mentions import Person
from hub.boards.store import BoardStore
from hub.doc import Doc
from hub.errors import InvalidRequest
from hub.identity.users import UserStore, to_principal
from hub.notify import Notify
from hub.rights import ProjectAccess, Rights
from schemas.common import utc_now
from schemas.events import Event

log = logging.getLogger(__name__)

ASSIGNED = "card.assigned"
MENTIONED = "card.mentioned"
COMMENTED = "card.commented"
MOVED = "card.moved"
DUE_CHANGED = "card.due_changed"
ARCHIVED = "card.archived"
_CARD_EVENTS = ("card.created", "card.updated", "comment.created", "card.moved", "card.archived")


class Notices:
    def __init__(self, *, store: BoardStore, users: UserStore, rights: Rights, notify: Notify) -> None:
        self._notify = notify
        self._users = users
        self._store = store
        self._rights = rights

    # --- deciding who ---------------------------------------------------------------------------

    async def check_assignees(self, access: ProjectAccess, user_ids: list[str]) -> None:
        """Assignees must be people who can read the board (they would not see the card otherwise)."""
        if not user_ids:
            return
        docs = await self._users.names(user_ids)
        bad = [
            {
                "path": f"assignees.{index}",
                "message": "not a person who can read this board",
                "type": "value_error",
            }
            for index, user_id in enumerate(user_ids)
            if user_id not in docs or not self._may_read(docs[user_id], access)
        ]
        if bad:
            raise InvalidRequest("some assignees cannot read this board", details={"fields": bad})

    async def readable(self, access: ProjectAccess, user_ids: list[str]) -> list[str]:
        """Those of ``user_ids`` who can read the board (in order): a follower who left a private
        project hears no more of it."""
        if not user_ids:
            return []
        docs = await self._users.names(user_ids)
        return [u for u in user_ids if u in docs and self._may_read(docs[u], access)]

    @staticmethod
    def assigned(*, before: list[str], after: list[str], actor_id: str) -> list[dict[str, str]]:
        """Who to tell about an assignment: the newly assigned, except the one who assigned them."""
        return [{"user_id": u, "kind": ASSIGNED} for u in after if u not in before and u != actor_id]

    async def readers(self, access: ProjectAccess) -> list[Person]:
        """Everyone who can read the board: whom a mention may reach."""
        people = []
        for doc in await self._users.find():
            if self._may_read(doc, access):
                people.append(Person(id=doc["_id"], name=doc.get("name", ""), email=doc.get("email", "")))
        return people

    def _may_read(self, doc: Doc, access: ProjectAccess) -> bool:
        if doc.get("disabled"):
            return False
        principal = to_principal({"name": "", "email": "", **doc}, session_id="")
        return self._rights.may_read_project(principal, access)

    # --- telling them ---------------------------------------------------------------------------

    async def deliver_for(self, event: Event) -> None:
        """Create the records an event's history entry asks for (right after the commit)."""
        if event.event not in _CARD_EVENTS:
            return
        card_id = event.data.get("card_id") or event.data["id"]
        try:
            async for entry in self._store.entries_to_notify(card_id, event.seq):
                await self._deliver(entry)
        except Exception:
            # The change is made; the sweep creates these records shortly.
            log.exception("notifications of %s #%d failed; the sweep will retry", event.channel, event.seq)

    async def sweep(self, *, window_s: float) -> int:
        """Create the records of recent history entries that a dead process left out; return how
        many records the recent entries ask for (existing ones are left as they are)."""
        since = utc_now() - timedelta(seconds=window_s)
        ensured = 0
        async for entry in self._store.recent_entries_to_notify(since):
            ensured += await self._deliver(entry)
        return ensured

    async def _deliver(self, entry: Doc) -> int:
        ensured = 0
        for target in entry.get("notify", []):
            data: dict[str, Any] = {
                "board_id": entry["board_id"],
                "card_id": entry["card_id"],
                "card_title": entry.get("card_title", ""),
                "by": entry.get("actor"),
            }
            if entry.get("comment_id"):
                data["comment_id"] = entry["comment_id"]
            if entry.get("excerpt"):
                data["excerpt"] = entry["excerpt"]
            if target["kind"] == DUE_CHANGED:
                data["due"] = entry.get("changes", {}).get("due", {}).get("to")
            await self._notify.notify(
                # One cause per person: a cause names the people it reaches (its e-mail and LINE too).
                cause_id=f"board-history:{entry['_id']}:{target['user_id']}",
                kind=target["kind"],
                user_ids=[target["user_id"]],
                data=data,
                link=f"/boards/{entry['board_id']}?card={entry['card_id']}",
            )
            ensured += 1
        return ensured
