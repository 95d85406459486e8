"""Figures a domain remembers at one seq of a channel, so that a ``decide`` at exactly that seq
needs no read (hub/events/log.py, point 6): a record per key (a board, a hub), kept while the log
tells its observers each next event, and forgotten at a gap, at ``NOT_LOGGED`` or at an op it cannot
take. Used only at the one seq it describes, it is as exact as the reads it saves.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Generic, Protocol, TypeVar

from hub.doc import Doc
from hub.events.log import NOT_LOGGED

log = logging.getLogger(__name__)


class AtSeq(Protocol):
    seq: int


R = TypeVar("R", bound=AtSeq)


class Remembered(Generic[R]):
    """Records of type ``R`` by key, each at the one seq it describes (least recently used
    forgotten first past ``keep``)."""

    def __init__(self, fresh: Callable[[int], R], *, keep: int) -> None:
        self._fresh = fresh
        self._keep = keep
        self._records: dict[str, R] = {}

    def at(self, key: str, seq: int) -> R:
        """The record of ``key`` at ``seq`` (a fresh, empty one when what is known is of another seq)."""
        record = self._records.pop(key, None)
        if record is None or record.seq != seq:
            record = self._fresh(seq)
        self._records[key] = record
        if len(self._records) > self._keep:
            del self._records[next(iter(self._records))]
        return record

    def told(
        self, key: str, seq: int, event: str, ops: Sequence[Doc], carry: Callable[[R, Doc, int], None]
    ) -> None:
        """The log's word that event ``seq`` of ``key``'s channel is logged with ``ops``: carry the
        record at ``seq - 1`` over it, op by op; else forget it."""
        record = self._records.get(key)
        if record is None:
            return
        if event == NOT_LOGGED or record.seq != seq - 1:
            del self._records[key]
            return
        record.seq = seq
        try:
            for raw in ops:
                carry(record, raw, seq)
        except Exception:
            # An op of a shape not foreseen: read again, never guessed.
            log.exception("%s: not carried over event %d", key, seq)
            self._records.pop(key, None)

    def forget(self, key: str) -> None:
        self._records.pop(key, None)
