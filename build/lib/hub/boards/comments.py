"""Comments on cards, with ``@mentions``, and the history of a card.

A comment is one ``comment.created`` event of the card's board: a Put of the comment and a Put of a
history entry naming who it mentions (hub/boards/notices.py turns those into notifications).
"""

from __future__ import annotations

from hub.boards import model
from hub.boards.cards import history_entry
from hub.boards.follows import Follows, followed_by
from hub.boards.mentions import mentioned
from hub.boards.model import CARDS, COMMENTS, HISTORY, channel_of
from hub.boards.notices import COMMENTED, MENTIONED, Notices
from hub.boards.service import BoardService, invalid
from hub.boards.store import BoardStore
from hub.events.log import Decision, EventLog, Unchanged
from hub.ids import idempotent_id
from hub.limits import MAX_MENTIONS_PER_COMMENT, MENTION_EXCERPT_CHARS
from hub.principal import Principal
from schemas.boards import CommentCreate, CommentOut, FieldChange, HistoryEntry
from schemas.common import utc_now
from schemas.events import Change, Op, Put


class CardNotes:
    def __init__(
        self, *, boards: BoardService, store: BoardStore, events: EventLog, notices: Notices, follows: Follows
    ) -> None:
        self._boards = boards
        self._store = store
        self._events = events
        self._notices = notices
        self._follows = follows

    async def comment(
        self,
        principal: Principal,
        card_id: str,
        body: CommentCreate,
        *,
        idempotency_key: str | None,
    ) -> CommentOut:
        card = await self._boards.card_for_change(principal, card_id)
        board_id = card["board_id"]
        access = await self._boards.access(board_id)
        readers = await self._notices.readers(access)
        mentions = mentioned(body.body, readers)
        if len(mentions) > MAX_MENTIONS_PER_COMMENT:
            raise invalid("body", f"a comment mentions at most {MAX_MENTIONS_PER_COMMENT} people")
        notify = [{"user_id": user_id, "kind": MENTIONED} for user_id in mentions if user_id != principal.id]
        comment_id = idempotent_id(caller_id=principal.id, scope=f"comment:{card_id}", key=idempotency_key)

        async def decide() -> Decision:
            # Only a retried key can find its id taken: a fresh random id needs no read.
            existing = await self._store.comment_any(comment_id) if idempotency_key else None
            if existing is not None:
                return Unchanged(existing)
            current = await self._store.card(card_id)
            # The card's followers hear of the comment (those it mentions, of the mention).
            watchers = await self._follows.watchers(current or card, access, actor_id=principal.id)
            told = notify + [{"user_id": u, "kind": COMMENTED} for u in watchers if u not in mentions]
            doc = {
                "_id": comment_id,
                "card_id": card_id,
                "board_id": board_id,
                "author": principal.actor.model_dump(),
                "body": body.body,
                "mentions": mentions,
                "created_at": utc_now(),
            }
            entry = history_entry(
                card=current or card,
                event="comment.created",
                principal=principal,
                changes={},
                notify=told,
                # The excerpt travels with the entry: a mention's notification quotes what was said.
                extra={"comment_id": comment_id, "excerpt": body.body[:MENTION_EXCERPT_CHARS]},
            )
            ops: list[Op] = [Put(collection=COMMENTS, doc=doc), Put(collection=HISTORY, doc=entry)]
            if current is not None and principal.id not in current.get("followers", []):
                # Whoever comments follows the card from then on.
                ops.append(Put(collection=CARDS, doc=followed_by(model.stored(current), principal.id)))
            return Change(
                event="comment.created", data=model.comment_out(doc).model_dump(mode="json"), ops=ops
            )

        result = await self._boards.commit(board_id, decide, principal)
        if isinstance(result, Unchanged):
            assert result.doc is not None
            return model.comment_out(result.doc)
        await self._notices.deliver_for(result)
        return CommentOut.model_validate(result.data)

    async def comments(self, principal: Principal, card_id: str) -> list[CommentOut]:
        card = await self._boards.card_for_reading(principal, card_id)
        await self._events.catch_up(channel_of(card["board_id"]))
        return [model.comment_out(doc) for doc in await self._store.comments_of(card_id)]

    async def history(self, principal: Principal, card_id: str) -> list[HistoryEntry]:
        card = await self._boards.card_for_reading(principal, card_id)
        await self._events.catch_up(channel_of(card["board_id"]))
        return [
            HistoryEntry(
                seq=doc["_seq"],
                event=doc["event"],
                actor=doc.get("actor"),
                at=doc["at"],
                changes={
                    name: FieldChange(before=change.get("from"), after=change.get("to"))
                    for name, change in doc.get("changes", {}).items()
                },
                comment_id=doc.get("comment_id"),
            )
            for doc in await self._store.history_of(card_id)
        ]
