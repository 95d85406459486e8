"""Columns of live boards: create, rename, move, delete, each one event of ``board:{id}``."""

from __future__ import annotations

from hub.boards import model, ordering
from hub.boards.model import CARDS, COLUMNS, Doc, live
from hub.boards.service import BoardService, Existing, check_version, invalid
from hub.errors import Conflict, NotFound
from hub.identity.principal import Principal
from hub.ids import idempotent_id
from hub.rights import Rights
from schemas.boards import ColumnCreate, ColumnMove, ColumnOut, ColumnPatch
from schemas.events import Change, Delete, Put


class ColumnService:
    def __init__(self, *, boards: BoardService, rights: Rights) -> None:
        self._boards = boards
        self._rights = rights
        self._columns = boards.collection(COLUMNS)
        self._cards = boards.collection(CARDS)

    async def create_column(
        self, principal: Principal, board_id: str, body: ColumnCreate, *, idempotency_key: str | None
    ) -> ColumnOut:
        await self._boards.require_change(principal, board_id)
        column_id = idempotent_id(caller_id=principal.id, scope=f"column:{board_id}", key=idempotency_key)
        at_end = "after" not in body.model_fields_set

        async def decide() -> Change:
            # Only a retried key can find its id taken: a fresh random id needs no read.
            existing = await self._columns.find_one({"_id": column_id}) if idempotency_key else None
            if existing is not None:
                raise Existing(existing)
            await self._boards.require_room(board_id, card=False)
            scope = {"board_id": board_id}
            if at_end:
                position = await ordering.position_last(self._columns, scope=scope)
            else:
                after = await self._boards.live_column(board_id, body.after) if body.after else None
                position = await ordering.position_after(self._columns, scope=scope, after=after)
            now = model.stamp()
            doc = {
                "_id": column_id,
                "board_id": board_id,
                "title": body.title,
                "position": position,
                "version": 1,
                "created_at": now,
                "updated_at": now,
                "placed_at": now,
            }
            return _column_change("column.created", doc)

        try:
            event = await self._boards.commit(board_id, decide, principal)
        except Existing as existing:
            return model.column_out(existing.doc)
        return ColumnOut.model_validate(event.data)

    async def patch_column(self, principal: Principal, column_id: str, body: ColumnPatch) -> ColumnOut:
        board_id = await self._board_for_change(principal, column_id)

        async def decide() -> Change:
            current = await self._boards.live_column(board_id, column_id, missing=NotFound)
            check_version(current, body.version, model.column_out)
            doc = {**model.stored(current), "version": current["version"] + 1, "updated_at": model.stamp()}
            if body.title is not None:
                doc["title"] = body.title
            return _column_change("column.updated", doc)

        return ColumnOut.model_validate((await self._boards.commit(board_id, decide, principal)).data)

    async def move_column(self, principal: Principal, column_id: str, body: ColumnMove) -> ColumnOut:
        board_id = await self._board_for_change(principal, column_id)
        if body.after == column_id:
            raise invalid("after", "a column cannot be placed after itself")

        async def decide() -> Change:
            current = await self._boards.live_column(board_id, column_id, missing=NotFound)
            if body.version is not None:
                check_version(current, body.version, model.column_out)
            after = await self._boards.live_column(board_id, body.after) if body.after else None
            position = await ordering.position_after(
                self._columns, scope={"board_id": board_id}, after=after, moving_id=column_id
            )
            now = model.stamp()
            doc = {
                **model.stored(current),
                "position": position,
                "version": current["version"] + 1,
                "updated_at": now,
                "placed_at": now,
            }
            return _column_change("column.moved", doc)

        return ColumnOut.model_validate((await self._boards.commit(board_id, decide, principal)).data)

    async def delete_column(self, principal: Principal, column_id: str) -> ColumnOut:
        board_id = await self._board_for_change(principal, column_id)

        async def decide() -> Change:
            current = await self._boards.live_column(board_id, column_id, missing=NotFound)
            holding = await self._cards.find_one(
                {"column_id": column_id, "archived": False, "_deleted": False}, projection={"_id": 1}
            )
            if holding is not None:
                raise Conflict("the column still holds cards: move or archive them first")
            data = model.column_out(current).model_dump(mode="json")
            return Change(event="column.deleted", data=data, ops=[Delete(collection=COLUMNS, id=column_id)])

        return ColumnOut.model_validate((await self._boards.commit(board_id, decide, principal)).data)

    async def _board_for_change(self, principal: Principal, column_id: str) -> str:
        doc = live(await self._columns.find_one({"_id": column_id}))
        if doc is None:
            raise NotFound("no such column")
        access = await self._boards.access(doc["board_id"])
        if not self._rights.may_read_project(principal, access):
            raise NotFound("no such column")
        self._rights.require_change_board(principal, access)
        return str(doc["board_id"])


def _column_change(event: str, doc: Doc) -> Change:
    return Change(
        event=event,
        data=model.column_out(doc).model_dump(mode="json"),
        ops=[Put(collection=COLUMNS, doc=doc)],
    )
