"""Moving a Trello board into a project's board in one step (API.md, "Finding and reminding", Import).

Every change goes through the board's log like any other, so live pages and replays see the import
as it lands: one ``column.created`` per open list (through ``ColumnService``, the same path as a
person adding a column), then cards in batches (``cards.imported``: ``data.cards`` is each whole
card, as ``card.created`` would carry it), then comments in batches (``comments.imported``), and last
``board.imported`` with the counts, which also records the import (collection ``board_imports``).

Batches keep a 2,000-card board to a few dozen commits (the log's cost is per event, not per op).
Every id is derived from the import's id and the Trello id, so a retry with the same
``Idempotency-Key`` finds the recorded import and changes nothing, and a retry after a crash midway
skips the batches already logged and finishes the rest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from hub.boards import model
from hub.boards.cards import history_entry
from hub.boards.columns import ColumnService
from hub.boards.due import DuePolicy, with_due
from hub.boards.follows import followed_by
from hub.boards.model import CARD_PARTS, CARDS, COMMENTS, HISTORY, IMPORTS
from hub.boards.positions import spread
from hub.boards.reminders import arm_op
from hub.boards.service import BoardService
from hub.boards.store import BoardStore
from hub.boards.trello import Plan, PlannedCard, comment_text, plan
from hub.doc import Doc
from hub.errors import Conflict
from hub.events.log import Decision, Unchanged
from hub.ids import idempotent_id
from hub.limits import IMPORT_BATCH_BYTES, IMPORT_BATCH_ITEMS, MAX_CARDS_PER_BOARD, MAX_COLUMNS_PER_BOARD
from hub.principal import Principal
from hub.projects.service import ProjectService
from hub.rights import Rights
from schemas.boards import ColumnCreate
from schemas.common import utc_now
from schemas.events import Change, Put
from schemas.finding import ImportResult

T = TypeVar("T")


class TrelloImporter:
    def __init__(
        self,
        *,
        boards: BoardService,
        store: BoardStore,
        columns: ColumnService,
        projects: ProjectService,
        rights: Rights,
        due: DuePolicy,
    ) -> None:
        self._boards = boards
        self._columns = columns
        self._projects = projects
        self._rights = rights
        self._due = due
        # Trello's due moments become days, and comments' times are shown, where due dates end.
        self._timezone = due.zone.key
        self._store = store

    async def import_board(
        self, principal: Principal, project_id: str, export: Any, *, idempotency_key: str | None
    ) -> tuple[ImportResult, bool]:
        """Import ``export`` (the parsed file) into the project's board; → the counts, and whether
        this call imported it (False: the import of this key was done already)."""
        access = await self._projects.access(project_id)
        self._rights.require_administer_project(principal, access)
        board_id = access.board_id
        if board_id is None:
            raise Conflict("the project has no board")
        run = idempotent_id(caller_id=principal.id, scope=f"trello:{project_id}", key=idempotency_key)
        done = await self._store.finished_import(run)
        if done is not None:
            return ImportResult.model_validate(done["result"]), False
        the_plan = plan(export, timezone=self._timezone)
        await self._check_room(board_id, the_plan)
        column_of: dict[str, str] = {}
        for column in the_plan.columns:
            made = await self._columns.create_column(
                principal,
                board_id,
                ColumnCreate(title=column.title),
                idempotency_key=f"{run}:{column.trello_id}",
            )
            column_of[column.trello_id] = made.id
        cards = self._card_docs(run, board_id, the_plan, principal, column_of)
        for batch in _batches(cards, _size):
            await self._commit_cards(principal, board_id, batch)
        comments = self._comment_docs(run, board_id, the_plan, principal)
        for pairs in _batches(comments, lambda pair: len(pair[0]["body"])):
            await self._commit_comments(principal, board_id, pairs)
        result = ImportResult(
            columns=len(the_plan.columns),
            cards=len(cards),
            checklist_items=sum(len(doc["checklist"]) for doc in cards),
            comments=len(comments),
        )
        await self._commit_done(principal, board_id, project_id, run, result)
        return result, True

    async def _check_room(self, board_id: str, the_plan: Plan) -> None:
        columns, open_cards = await self._store.counts(board_id)
        if columns + len(the_plan.columns) > MAX_COLUMNS_PER_BOARD:
            raise Conflict(
                f"a board holds at most {MAX_COLUMNS_PER_BOARD:,} columns",
                details={"limit": "columns_per_board"},
            )
        new = sum(1 for card in the_plan.cards() if not card.archived)
        if open_cards + new > MAX_CARDS_PER_BOARD:
            raise Conflict(
                f"a board holds at most {MAX_CARDS_PER_BOARD:,} cards that are not archived",
                details={"limit": "cards_per_board"},
            )

    def _card_docs(
        self, run: str, board_id: str, the_plan: Plan, principal: Principal, column_of: dict[str, str]
    ) -> list[Doc]:
        by_list: dict[str, list[PlannedCard]] = {}
        for card in the_plan.cards():
            by_list.setdefault(card.list_id, []).append(card)
        docs: list[Doc] = []
        now = model.stamp()
        for list_id, cards in by_list.items():
            # A closed list's cards keep a column id of their own; restored, they go to the first column.
            column_id = column_of.get(list_id) or _derived(run, "list:" + list_id)
            for card, position in zip(cards, spread(len(cards)), strict=True):
                items = card.checklist
                doc: Doc = {
                    "_id": _derived(run, "card:" + card.trello_id),
                    "board_id": board_id,
                    "column_id": column_id,
                    "title": card.title,
                    "description": card.description,
                    "assignees": [],
                    "labels": card.labels,
                    "due_done": card.due_done,
                    "checklist": [
                        {
                            "id": _derived(run, f"item:{card.trello_id}:{index}"),
                            "text": item.text,
                            "done": item.done,
                            "position": key,
                        }
                        for index, (item, key) in enumerate(zip(items, spread(len(items)), strict=True))
                    ],
                    "position": position,
                    "version": 1,
                    "archived": card.archived,
                    "created_at": now,
                    "updated_at": now,
                    "created_by": principal.id,
                    "placed_at": now,
                    "imported_from": {"trello": card.trello_id},
                }
                # ``due`` and its moment as a person's due would be stored; the importer follows it.
                due = None if card.due is None else card.due.isoformat()
                docs.append(followed_by(with_due(doc, due, self._due.zone), principal.id))
        return docs

    def _comment_docs(
        self, run: str, board_id: str, the_plan: Plan, principal: Principal
    ) -> list[tuple[Doc, str]]:
        """Each comment with the title of its card (for its history entry)."""
        docs = []
        for card in the_plan.cards():
            for comment in card.comments:
                doc = {
                    "_id": _derived(run, "comment:" + comment.trello_id),
                    "card_id": _derived(run, "card:" + card.trello_id),
                    "board_id": board_id,
                    "author": principal.actor.model_dump(),
                    "body": comment_text(comment, timezone=self._timezone),
                    "mentions": [],
                    "created_at": comment.at.replace(microsecond=comment.at.microsecond // 1000 * 1000),
                }
                docs.append((doc, card.title))
        return docs

    async def _commit_cards(self, principal: Principal, board_id: str, batch: list[Doc]) -> None:
        async def decide() -> Decision:
            if await self._store.card_any(batch[0]["_id"]) is not None:
                return Unchanged()  # logged by an attempt that died before finishing
            ops: list[Put] = []
            for doc in batch:
                # The entry names the import and the title rather than every field (the whole card is
                # in this very event): the events of a big import are a third smaller, and nx-27017's
                # time goes with the bytes it stores.
                entry = history_entry(
                    card=doc,
                    event="card.created",
                    principal=principal,
                    changes={"title": {"from": None, "to": doc["title"]}},
                    notify=[],
                    extra={"imported_from": "trello"},
                )
                ops += [Put(collection=CARDS, doc=doc), Put(collection=HISTORY, doc=entry)]
                # Each checklist item findable by its id, as the checklist service records it.
                ops += [
                    Put(collection=CARD_PARTS, doc=model.part(item["id"], doc, "checklist"))
                    for item in doc["checklist"]
                ]
                # Due reminders armed as for a card created with that due (hub/boards/reminders.py).
                arm = arm_op(None, doc, self._due)
                if arm is not None and not doc["archived"]:
                    ops.append(arm)
            data = {"cards": [model.card_out(doc).model_dump(mode="json") for doc in batch]}
            return Change(event="cards.imported", data=data, ops=ops)

        await self._boards.commit(board_id, decide, principal)

    async def _commit_comments(
        self, principal: Principal, board_id: str, pairs: list[tuple[Doc, str]]
    ) -> None:
        batch = [doc for doc, _ in pairs]

        async def decide() -> Decision:
            if await self._store.comment_any(batch[0]["_id"]) is not None:
                return Unchanged()
            ops: list[Put] = []
            for doc, title in pairs:
                card = {"_id": doc["card_id"], "board_id": board_id, "title": title}
                entry = history_entry(
                    card=card,
                    event="comment.created",
                    principal=principal,
                    changes={},
                    notify=[],
                    extra={"comment_id": doc["_id"], "excerpt": doc["body"][:200]},
                )
                ops += [Put(collection=COMMENTS, doc=doc), Put(collection=HISTORY, doc=entry)]
            data = {"comments": [model.comment_out(doc).model_dump(mode="json") for doc in batch]}
            return Change(event="comments.imported", data=data, ops=ops)

        await self._boards.commit(board_id, decide, principal)

    async def _commit_done(
        self, principal: Principal, board_id: str, project_id: str, run: str, result: ImportResult
    ) -> None:
        async def decide() -> Decision:
            if await self._store.finished_import(run) is not None:
                return Unchanged()
            record = {
                "_id": run,
                "board_id": board_id,
                "project_id": project_id,
                "source": "trello",
                "result": result.model_dump(),
                "at": utc_now(),
            }
            data = {"source": "trello", **result.model_dump()}
            return Change(event="board.imported", data=data, ops=[Put(collection=IMPORTS, doc=record)])

        await self._boards.commit(board_id, decide, principal)


def _derived(run: str, name: str) -> str:
    return hashlib.sha256(f"{run}\x1f{name}".encode()).hexdigest()[:24]


def _size(doc: Doc) -> int:
    return sum(len(value) for value in doc.values() if isinstance(value, str)) + 64 * len(
        doc.get("checklist") or []
    )


def _batches(docs: Sequence[T], weigh: Callable[[T], int]) -> Iterator[list[T]]:
    """Runs of documents small enough for one event (its data and ops carry each one twice)."""
    batch: list[T] = []
    size = 0
    for doc in docs:
        weight = weigh(doc)
        if batch and (len(batch) >= IMPORT_BATCH_ITEMS or size + weight > IMPORT_BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(doc)
        size += weight
    if batch:
        yield batch
