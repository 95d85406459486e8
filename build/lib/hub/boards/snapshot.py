"""A board's snapshot (``GET /api/boards/{id}``) without holding its documents twice.

A full board is 5,000 cards of up to 20,000 characters (hub/limits.py). Building it the simple way
(every card document, then a model per card, then one JSON string, then its bytes) holds each
description four times at the peak. Here each card is read from the cursor in batches and turned at
once into its JSON bytes, kept with the few fields that order it; the document is dropped. The
response is then written in chunks of those bytes, never joined into one.

The snapshot's ``seq`` guarantee is ``EventLog.read``'s (docs/realtime.md): the compact entries keep
the ``_seq`` of their document, so events logged during the read are folded in over them exactly as
over whole documents (the folded-in ones arrive whole and are serialised at the end).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

from pymongo.asynchronous.collection import AsyncCollection

from hub.boards import model
from hub.boards.model import CARDS, COLUMNS
from hub.doc import Doc
from hub.events.log import State
from hub.limits import BOARD_SNAPSHOT_BATCH

# The response is written in pieces of about this size, so the only whole copy is the entries'.
_CHUNK_BYTES = 64 * 1024
_JSON = "_json"


def _compact(doc: Doc) -> Doc:
    """What the snapshot keeps of a card: its JSON, what orders it, and what the log's overlay reads."""
    if doc.get("_deleted") or doc.get("archived"):
        return {"_id": doc["_id"], "_seq": doc.get("_seq", 0), "_deleted": True}
    return {
        "_id": doc["_id"],
        "_seq": doc.get("_seq", 0),
        "column_id": doc["column_id"],
        "position": doc["position"],
        _JSON: model.card_out(doc).model_dump_json().encode(),
    }


async def read_compact_state(
    columns: AsyncCollection[Doc], cards: AsyncCollection[Doc], board_id: str
) -> State:
    """The board's state for ``EventLog.read``, with cards as compact entries."""
    column_docs = await columns.find({"board_id": board_id}).to_list()
    entries: dict[str, Doc] = {}
    async for doc in cards.find({"board_id": board_id}).batch_size(BOARD_SNAPSHOT_BATCH):
        entries[doc["_id"]] = _compact(doc)
    return {COLUMNS: {doc["_id"]: doc for doc in column_docs}, CARDS: entries}


def _card_json(entry: Doc) -> bytes:
    # An entry folded in from an event during the read is a whole document, not yet serialised.
    json_bytes = entry.get(_JSON)
    return json_bytes if isinstance(json_bytes, bytes) else model.card_out(entry).model_dump_json().encode()


@dataclass(frozen=True)
class BoardSnapshot:
    """The snapshot as at ``seq``; ``chunks()`` gives the JSON of ``schemas.boards.BoardOut``."""

    id: str
    project_id: str
    title: str
    seq: int
    state: State

    async def chunks(self) -> AsyncIterator[bytes]:
        head = {"id": self.id, "project_id": self.project_id, "title": self.title, "seq": self.seq}
        pending = [json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1].encode(), b',"columns":[']
        size = 0
        columns = sorted(
            (doc for doc in self.state.get(COLUMNS, {}).values() if not doc.get("_deleted")),
            key=lambda doc: (doc["position"], doc["_id"]),
        )
        by_column: dict[str, list[Doc]] = {doc["_id"]: [] for doc in columns}
        for entry in self.state.get(CARDS, {}).values():
            if entry.get("_deleted") or entry.get("archived"):
                continue
            bucket = by_column.get(entry["column_id"])
            if bucket is not None:
                bucket.append(entry)
        for index, column in enumerate(columns):
            column_json = model.column_out(column).model_dump_json().encode()
            pending.append((b"," if index else b"") + column_json[:-1] + b',"cards":[')
            cards = sorted(by_column.pop(column["_id"]), key=lambda card: (card["position"], card["_id"]))
            for number, card in enumerate(cards):
                piece = _card_json(card)
                pending.append(b"," + piece if number else piece)
                size += len(piece)
                if size >= _CHUNK_BYTES:
                    yield b"".join(pending)
                    pending, size = [], 0
            pending.append(b"]}")
        pending.append(b"]}")
        yield b"".join(pending)
