"""The event log under a kill at each step of ``commit`` (docs/realtime.md, "The event log").

The database is wrapped so that the process "dies" before its N-th write: the write does not happen
and nothing after it runs. For every N, a fresh process (a new ``EventLog`` on the real database) must
see exactly the events that were logged, a state that matches them, and carry on numbering without a
gap, as if the change either fully happened (its event was logged) or never did.
"""

from __future__ import annotations

from typing import Any

import pytest
from pymongo import AsyncMongoClient

from hub.events.log import EventLog, State
from schemas.events import Change, Delete, Event, Put


class Killed(BaseException):
    """The process died here (a BaseException, so no ``except Exception`` can survive it)."""


class Budget:
    def __init__(self, writes: int) -> None:
        self.left = writes

    def spend(self) -> None:
        if self.left <= 0:
            raise Killed
        self.left -= 1


class DyingCollection:
    def __init__(self, real: Any, budget: Budget) -> None:
        self._real, self._budget = real, budget

    async def insert_one(self, *args: Any, **kwargs: Any) -> Any:
        self._budget.spend()
        return await self._real.insert_one(*args, **kwargs)

    async def update_one(self, *args: Any, **kwargs: Any) -> Any:
        self._budget.spend()
        return await self._real.update_one(*args, **kwargs)

    async def replace_one(self, *args: Any, **kwargs: Any) -> Any:
        self._budget.spend()
        return await self._real.replace_one(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)  # reads pass through


class DyingDatabase:
    def __init__(self, real: Any, budget: Budget) -> None:
        self._real, self._budget = real, budget

    def __getitem__(self, name: str) -> DyingCollection:
        return DyingCollection(self._real[name], self._budget)


def dying_sink(budget: Budget, published: list[Event]) -> Any:
    async def sink(event: Event) -> None:
        budget.spend()  # the publish is the last step of a commit
        published.append(event)

    return sink


def note_change(collection: str, **ops: int | None) -> Change:
    """Put ``name=value`` for each op, Delete for ``name=None``."""
    return Change(
        event="notes.changed",
        data=dict(ops),
        ops=[
            Delete(collection=collection, id=name)
            if value is None
            else Put(collection=collection, doc={"_id": name, "v": value})
            for name, value in ops.items()
        ],
    )


async def commit(log: EventLog, channel: str, change: Change) -> int:
    async def decide() -> Change:
        return change

    return (await log.commit(channel, decide, actor=None)).seq


def visible(state: State, collection: str) -> dict[str, int]:
    return {k: d["v"] for k, d in state.get(collection, {}).items() if not d.get("_deleted")}


# Writes of the commit under test: insert the event, 3 ops, the channel's "applied" mark; then publish.
STEPS = 6


@pytest.mark.parametrize("writes_before_death", range(STEPS + 1))
async def test_a_kill_at_any_step_leaves_exactly_the_logged_events(
    mongo: AsyncMongoClient[dict[str, Any]], database_name: str, writes_before_death: int
) -> None:
    db = mongo[database_name]
    channel, notes = "test:crash", "notes"
    healthy = EventLog(db)
    await healthy.ensure_indexes()
    await commit(healthy, channel, note_change(notes, a=1, c=1))
    await commit(healthy, channel, note_change(notes, c=2))
    before, after = {"a": 1, "c": 2}, {"a": 2, "b": 1}

    published: list[Event] = []
    budget = Budget(writes_before_death)
    doomed = EventLog(DyingDatabase(db, budget), sink=dying_sink(budget, published))  # type: ignore[arg-type]
    try:
        await commit(doomed, channel, note_change(notes, a=2, b=1, c=None))
        died = False
    except Killed:
        died = True
    assert died == (writes_before_death < STEPS)
    logged = writes_before_death >= 1  # the insert of the event is the moment the change happens

    async def read_state() -> State:
        return {notes: {d["_id"]: d for d in await db[notes].find({}).to_list()}}

    # A fresh process reads: the state matches the events logged, no more, no less.
    republished: list[Event] = []

    async def record(event: Event) -> None:
        republished.append(event)

    survivor = EventLog(db, sink=record)
    state, seq = await survivor.read(channel, read_state)
    assert seq == (3 if logged else 2)
    assert visible(state, notes) == (after if logged else before)
    assert [e.seq for e in await survivor.since(channel, 0)] == list(range(1, seq + 1))

    # It writes next: the numbering continues without a gap, the stored state is whole.
    assert await commit(survivor, channel, note_change(notes, d=1)) == seq + 1
    stored = {d["_id"]: d["v"] for d in await db[notes].find({"_deleted": False}).to_list()}
    assert stored == {**(after if logged else before), "d": 1}
    # An event whose ops were not all marked applied is published again by whoever rolled it forward
    # (subscribers drop the repeat by seq); one killed only before publishing is found by the
    # instances' head check (tests/realtime/test_fanout.py).
    if logged and writes_before_death < STEPS - 1:
        assert [e.seq for e in republished] == [3, 4]


async def test_a_second_kill_while_rolling_forward_is_harmless(
    mongo: AsyncMongoClient[dict[str, Any]], database_name: str
) -> None:
    db = mongo[database_name]
    channel, notes = "test:crash2", "notes"
    await EventLog(db).ensure_indexes()
    first = Budget(2)  # logs the event and applies one op of three, then dies
    with pytest.raises(Killed):
        await commit(EventLog(DyingDatabase(db, first)), channel, note_change(notes, a=1, b=1, c=1))  # type: ignore[arg-type]
    second = Budget(1)  # the next writer re-applies one op while catching up, then dies too
    with pytest.raises(Killed):
        await commit(EventLog(DyingDatabase(db, second)), channel, note_change(notes, d=1))  # type: ignore[arg-type]

    third = EventLog(db)
    assert await commit(third, channel, note_change(notes, e=1)) == 2
    stored = {d["_id"]: d["v"] for d in await db[notes].find({"_deleted": False}).to_list()}
    assert stored == {"a": 1, "b": 1, "c": 1, "e": 1}
    logged = [(e.seq, e.data) for e in await third.since(channel, 0)]
    assert logged == [(1, {"a": 1, "b": 1, "c": 1}), (2, {"e": 1})]
