"""Columns of live boards: create, rename, move, delete, each one event of ``board:{id}``."""

from __future__ import annotations

from hub.boards import model
from hub.boards.model import COLUMNS
from hub.boards.service import BoardService, check_version, invalid
from hub.boards.store import BoardStore
from hub.doc import Doc
from hub.errors import Conflict, NotFound
from hub.events.log import Decision, Unchanged, made
from hub.ids import idempotent_id
from hub.principal import Principal
from schemas.boards import ColumnCreate, ColumnMove, ColumnOut, ColumnPatch
from schemas.events import Change, Delete, Put


class ColumnService:
    def __init__(self, *, boards: BoardService, store: BoardStore) -> None:
        self._boards = boards
        self._store = store

    async def create_column(
        self, principal: Principal, board_id: str, body: ColumnCreate, *, idempotency_key: str | None
    ) -> ColumnOut:
        await self._boards.require_change(principal, board_id)
        column_id = idempotent_id(caller_id=principal.id, scope=f"column:{board_id}", key=idempotency_key)
        at_end = "after" not in body.model_fields_set

        async def decide() -> Decision:
            # Only a retried key can find its id taken: a fresh random id needs no read.
            existing = await self._store.column_any(column_id) if idempotency_key else None
            if existing is not None:
                return Unchanged(existing)
            await self._store.require_room(board_id, card=False)
            if at_end:
                position = await self._store.placement.column_last(board_id)
            else:
                after = await self._store.live_column(board_id, body.after) if body.after else None
                position = await self._store.placement.column_after(board_id, after)
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

        result = await self._boards.commit(board_id, decide, principal)
        if isinstance(result, Unchanged):
            assert result.doc is not None
            return model.column_out(result.doc)
        return ColumnOut.model_validate(result.data)

    async def patch_column(self, principal: Principal, column_id: str, body: ColumnPatch) -> ColumnOut:
        board_id = await self._boards.column_board_for_change(principal, column_id)

        async def decide() -> Change:
            current = await self._store.live_column(board_id, column_id, missing=NotFound)
            check_version(current, body.version, model.column_out)
            doc = {**model.stored(current), "version": current["version"] + 1, "updated_at": model.stamp()}
            if body.title is not None:
                doc["title"] = body.title
            return _column_change("column.updated", doc)

        return ColumnOut.model_validate(made(await self._boards.commit(board_id, decide, principal)).data)

    async def move_column(self, principal: Principal, column_id: str, body: ColumnMove) -> ColumnOut:
        board_id = await self._boards.column_board_for_change(principal, column_id)
        if body.after == column_id:
            raise invalid("after", "a column cannot be placed after itself")

        async def decide() -> Change:
            current = await self._store.live_column(board_id, column_id, missing=NotFound)
            if body.version is not None:
                check_version(current, body.version, model.column_out)
            after = await self._store.live_column(board_id, body.after) if body.after else None
            position = await self._store.placement.column_after(board_id, after, moving_id=column_id)
            now = model.stamp()
            doc = {
                **model.stored(current),
                "position": position,
                "version": current["version"] + 1,
                "updated_at": now,
                "placed_at": now,
            }
            return _column_change("column.moved", doc)

        return ColumnOut.model_validate(made(await self._boards.commit(board_id, decide, principal)).data)

    async def delete_column(self, principal: Principal, column_id: str) -> ColumnOut:
        board_id = await self._boards.column_board_for_change(principal, column_id)

        async def decide() -> Change:
            current = await self._store.live_column(board_id, column_id, missing=NotFound)
            if await self._store.column_holds_cards(column_id):
                raise Conflict("the column still holds cards: move or archive them first")
            data = model.column_out(current).model_dump(mode="json")
            return Change(event="column.deleted", data=data, ops=[Delete(collection=COLUMNS, id=column_id)])

        return ColumnOut.model_validate(made(await self._boards.commit(board_id, decide, principal)).data)


def _column_change(event: str, doc: Doc) -> Change:
    return Change(
        event=event,
        data=model.column_out(doc).model_dump(mode="json"),
        ops=[Put(collection=COLUMNS, doc=doc)],
    )
