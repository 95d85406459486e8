"""Following cards and boards (API.md, Finding and reminding).

A card's own followers are a field of the card (``followers``), changed by ``card.followed`` and
``card.unfollowed`` events of its board: its creator, its assignees and whoever comments on it are
added by those changes themselves. Following a board is a document of ``board_followers`` logged by
``board.followed`` / ``board.unfollowed``: it stands for every card of the board, present and future.
Following is not an edit: a card's ``version`` stays, so nobody's open edit conflicts with it.

Who is told of a change (``watchers``): the card's followers and the board's, who can still read the
board, never the person who made the change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from hub.boards import model
from hub.boards.access import BoardInfo
from hub.boards.model import BOARD_FOLLOWERS, CARDS
from hub.boards.notices import Notices
from hub.boards.service import BoardService
from hub.boards.store import BoardStore
from hub.doc import Doc
from hub.events.log import Decision, Unchanged
from hub.principal import Principal
from hub.rights import ProjectAccess
from schemas.boards import CardOut
from schemas.events import Change, Delete, Put


@dataclass(frozen=True)
class DueCard:
    card: CardOut
    due_at: datetime
    board: BoardInfo


def followed_by(doc: Doc, *user_ids: str) -> Doc:
    """``doc`` (a card) followed also by ``user_ids`` (in order, once each)."""
    followers = list(doc.get("followers", []))
    for user_id in user_ids:
        if user_id and user_id not in followers:
            followers.append(user_id)
    return {**doc, "followers": followers}


def _board_follow_id(board_id: str, user_id: str) -> str:
    return f"{board_id}:{user_id}"


class Follows:
    def __init__(self, *, boards: BoardService, store: BoardStore, notices: Notices) -> None:
        self._boards = boards
        self._store = store
        self._notices = notices

    # --- following and unfollowing ----------------------------------------------------------------

    async def follow_card(self, principal: Principal, card_id: str, *, on: bool) -> None:
        card = await self._boards.card_for_reading(principal, card_id)

        async def decide() -> Decision:
            current = await self._store.live_card(card_id)
            following = principal.id in current.get("followers", [])
            if following == on:
                return Unchanged()
            if on:
                doc = followed_by(model.stored(current), principal.id)
            else:
                kept = [u for u in current.get("followers", []) if u != principal.id]
                doc = {**model.stored(current), "followers": kept}
            return Change(
                event="card.followed" if on else "card.unfollowed",
                data=model.card_out(doc).model_dump(mode="json"),
                ops=[Put(collection=CARDS, doc=doc)],
            )

        await self._boards.commit(card["board_id"], decide, principal)

    async def follows_board(self, principal: Principal, board_id: str) -> bool:
        """Whether the caller follows every card of the board (its page shows the toggle pressed)."""
        await self._boards.require_read(principal, board_id)
        return await self._store.board_follow(_board_follow_id(board_id, principal.id)) is not None

    async def follow_board(self, principal: Principal, board_id: str, *, on: bool) -> None:
        await self._boards.require_read(principal, board_id)
        follow_id = _board_follow_id(board_id, principal.id)

        async def decide() -> Decision:
            current = await self._store.board_follow(follow_id)
            if (current is not None) == on:
                return Unchanged()
            data = {"board_id": board_id, "user_id": principal.id}
            op: Put | Delete = (
                Put(collection=BOARD_FOLLOWERS, doc={"_id": follow_id, **data})
                if on
                else Delete(collection=BOARD_FOLLOWERS, id=follow_id)
            )
            return Change(event="board.followed" if on else "board.unfollowed", data=data, ops=[op])

        await self._boards.commit(board_id, decide, principal)

    # --- what a person's calendar shows ------------------------------------------------------------

    async def due_cards(self, principal: Principal, *, limit: int) -> list[DueCard]:
        """The open cards with a due that ``principal`` is assigned to or follows (by itself or by
        its board), on boards they can still read; soonest first."""
        boards = await self._store.boards_followed(principal.id)
        docs = await self._store.open_cards_of(principal.id, board_ids=boards)
        with_due = sorted((d for d in docs if d.get("due") and d.get("due_at")), key=lambda d: d["due_at"])
        readable: dict[str, BoardInfo | None] = {}
        found: list[DueCard] = []
        for doc in with_due:
            board_id = doc["board_id"]
            if board_id not in readable:
                ok = await self._boards.may_read(principal, board_id)
                readable[board_id] = await self._boards.info(board_id) if ok else None
            info = readable[board_id]
            if info is not None:
                found.append(DueCard(card=model.card_out(doc), due_at=doc["due_at"], board=info))
            if len(found) >= limit:
                break
        return found

    # --- who is told ------------------------------------------------------------------------------

    async def watchers(
        self, card: Doc, access: ProjectAccess, *, also: Sequence[str] = (), actor_id: str | None
    ) -> list[str]:
        """The card's followers and its board's (and ``also``), who can read the board, but not
        ``actor_id``."""
        people = [*card.get("followers", []), *await self._store.board_followers(card["board_id"]), *also]
        wanted = list(dict.fromkeys(u for u in people if u != actor_id))
        return await self._notices.readable(access, wanted)
