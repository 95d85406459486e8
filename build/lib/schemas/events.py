"""The event every change becomes (API.md, Realtime) and its socket frame."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from schemas.common import Out, UtcDatetime


class Actor(Out):
    id: str
    name: str


class Put(BaseModel):
    """Materialise ``doc`` (the whole stored document, with ``_id``) into ``collection``."""

    op: Literal["put"] = "put"
    collection: str
    doc: dict[str, Any]


class Delete(BaseModel):
    """Mark a document of ``collection`` deleted (a tombstone, so that replays cannot resurrect it)."""

    op: Literal["delete"] = "delete"
    collection: str
    id: str


Op = Put | Delete


class Change(BaseModel):
    """What a domain service decided: the public event and how the stored state follows it."""

    event: str
    data: dict[str, Any]
    ops: list[Op] = []


class Event(Out):
    """One event of a channel as the contract sends it (``type`` is always ``event``)."""

    type: Literal["event"] = "event"
    channel: str
    seq: int
    event: str
    data: dict[str, Any]
    actor: Actor | None
    at: UtcDatetime
