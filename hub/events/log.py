"""The event log: every change of Dejima is one event of one channel, numbered 1, 2, 3 … per channel.

Design note: docs/realtime.md. In short, the log is the write-ahead record of every change and the
stored state is a view of it, so that no multi-document transaction is needed (nx-27017 has none):

1. ``commit`` reads the channel head ``h`` after rolling every logged event into the state,
   lets the domain ``decide`` the change against that state, then inserts event ``h + 1``.
   The unique index on ``(ch, seq)`` makes that insert the single point where the change happens:
   of two writers racing for ``h + 1`` one wins, the other re-reads and decides again.
2. Only then are the event's ``ops`` applied to the state collections, each guarded by the ``_seq``
   it was written at, so that re-applying an event (after a crash, or by two instances at once) is a
   no-op. A crash between 1 and 2 leaves an event whose ops the next reader or writer applies.
3. A process remembers the head it applied last per channel and, while no other writer moved it,
   commits on top of it without the catch-up reads; another writer's event makes the insert collide
   and the retry catches up, so the hint can cost a retry but never a wrong decision. Writers of a
   channel take turns (hub/events/turns.py, injected), and a turn hands over the head its last
   holder applied, so a busy channel commits with no catch-up read and no collision.
5. ``decide`` answers with a value, never an exception, when there is nothing to do: ``Unchanged``
   (nothing is logged; ``commit`` returns it, with what is already there), or ``First(change)``: log
   this change as its own event, then decide again (a column respaced before a card is placed in it).
   Only real errors (``NotFound``, ``Conflict`` …) are raised through ``commit``.
4. ``read`` gives a state that reflects exactly the events up to the ``seq`` it returns, without
   locks: it overlays, in memory, the events logged but not yet applied when the state was read.
6. A figure that is costly to read (the open cards of a board, its column ends) may be remembered at
   the head it was read at (``deciding_head``) and carried forward over the channel's events as the
   log tells them (``observe``: the events this process logs, and another instance's when a turn
   comes with a newer head: passed on with the turn, or read in one query when some are not):
   trusted at exactly that head only, it is as exact as a read, and a gap in what it was told makes
   it a read again.
7. Changes queued in one process for one channel may be decided and logged as a **group**
   (``commit(..., grouped=True)``, for a ``decide`` that reads through ``staged``): in one turn, each
   ``decide`` runs at the seq after the one before it, seeing the documents the earlier changes of
   the group write (``staged``, in memory); then one ``insert_many`` logs the group's events in order
   and one write per collection applies their ops (the newest op of each document only: an op is the
   whole document). Nothing else changes: the events are consecutive seqs of the channel, a crash
   between the insert and the writes leaves events that the next reader applies, and if another
   writer took one of the seqs the ordered insert stops there and the rest are decided again. The
   group is whoever is queued once the turn is here (changes that came while another instance held
   it included), so a busy channel's groups grow with the wait instead of the wait being paid twice.
"""

from __future__ import annotations

import asyncio
import base64
import contextvars
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

import bson
from bson.codec_options import CodecOptions
from pymongo import ASCENDING, DESCENDING, ReplaceOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from hub.doc import Doc
from hub.errors import Unavailable
from hub.events.turns import Turn, Turns
from hub.limits import COMMIT_GROUP_MAX, COMMIT_MAX_ATTEMPTS
from hub.storage.mongo import ensure_plain_index
from schemas.common import utc_now
from schemas.events import Actor, Change, Delete, Event, Put

log = logging.getLogger(__name__)

# collection name → document id → stored document (tombstones included, with ``_deleted``)
State = dict[str, dict[str, Doc]]

EVENTS = "events"
# Channels whose head a process remembers: enough for every board being edited at once.
_KNOWN_HEADS_MAX = 10_000
CHANNELS = "channels"


# Ops of one collection in one event from which they are written as one bulk write (an import's batch).
_BULK_FROM = 16
_DUPLICATE_KEY = 11000

# Another writer's events read to keep the observers at the head when a turn comes with a newer head;
# past this many, they read what they need again instead.
_FOLLOW_MAX = 256

# An event larger than this is not passed on with the turn (hub/events/turns.py): read from the log.
_PASS_MAX_BYTES = 32 * 1024
# Dates passed on with the turn come back as the log's do (the client reads with tz_aware).
_PASSED_CODEC: CodecOptions[Doc] = CodecOptions(tz_aware=True)

# How many ``First`` changes one commit may log before its own (a respaced column needs one).
_FIRST_MAX = 3

# The channel, and the head seq, that the running ``decide`` decides against.
_deciding: ContextVar[tuple[str, int] | None] = ContextVar("deciding", default=None)
# What the changes decided before the running one in its group write (not stored yet).
_staged: ContextVar[State | None] = ContextVar("staged", default=None)
# The event name observers are told when what they carried over a group's staged events is void
# (another writer took one of its seqs): each forgets what it carried.
NOT_LOGGED = ""


def deciding_head(channel: str) -> int | None:
    """The head seq the running ``decide`` of ``channel`` decides against (None outside one).

    The state a decide reads is the state at this seq, or a newer one; in that case another writer
    took the next seq and this decision's event collides and is decided again at a newer head. So a
    figure read during a decide is exactly the figure at this seq whenever it is used at this very
    seq (with ``observe`` carrying it forward over this process's own events).
    """
    current = _deciding.get()
    if current is None or current[0] != channel:
        return None
    return current[1]


def staged(collection: str) -> dict[str, Doc]:
    """The documents of ``collection`` that the changes decided before the running one in its group
    write, as they will be stored (tombstones with ``_deleted``): a ``decide`` that joins groups
    reads through them. Empty outside a group and for the first change of one."""
    current = _staged.get()
    return {} if current is None else current.get(collection, {})


# Told of the events of a channel inside the writer's turn (``observe``): channel, seq, event name and
# ops (once its ops are applied; in a group, once it is decided, and ``NOT_LOGGED`` when it turned
# out not to be logged).
Observer = Callable[[str, int, str, list[Doc]], None]


class EventSink(Protocol):
    async def __call__(self, event: Event) -> None: ...


@dataclass(frozen=True, slots=True)
class Unchanged:
    """``decide``'s answer when there is nothing to do (the change is made already, a replayed
    creation): nothing is logged, and ``commit`` returns this, with ``doc``, what is already there."""

    doc: Doc | None = None


@dataclass(frozen=True, slots=True)
class First:
    """``decide``'s answer when another change must be logged before its own (a column respaced
    before a card is placed in it): ``change`` is logged as its own event, then ``decide`` runs again."""

    change: Change


Decision = Change | Unchanged | First
Decide = Callable[[], Awaitable[Decision]]


@dataclass(eq=False)
class _Queued:
    """A change waiting in this process for its channel's next group."""

    decide: Decide
    actor: Actor | None
    done: asyncio.Future[Event | Unchanged] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    def answer(self, outcome: Event | Unchanged | BaseException) -> None:
        if self.done.done():  # its caller went away
            return
        if isinstance(outcome, BaseException):
            self.done.set_exception(outcome)
        else:
            self.done.set_result(outcome)


def made(result: Event | Unchanged) -> Event:
    """The event of a commit whose ``decide`` never answers ``Unchanged``."""
    if isinstance(result, Unchanged):
        raise AssertionError("decide answered Unchanged where a change was certain")
    return result


class EventLog:
    def __init__(
        self, db: AsyncDatabase[Doc], *, sink: EventSink | None = None, turns: Turns | None = None
    ) -> None:
        self._db = db
        self._events = db[EVENTS]
        self._channels = db[CHANNELS]
        self._sink = sink
        self._turns = turns or Turns()
        # channel → a head whose events this process applied itself (a hint, least recent first).
        self._heads: dict[str, int] = {}
        # channel → the newest seq this process logged and applied and has yet to mark (``_finish``).
        self._to_mark: dict[str, int] = {}
        # channel kind → who is told of this process's own events (``observe``).
        self._observers: dict[str, list[Observer]] = {}
        # channel → changes queued for its next group, and the task that commits them group by group.
        self._queued: dict[str, list[_Queued]] = {}
        self._grouping: dict[str, asyncio.Task[None]] = {}

    def observe(self, kind: str, observer: Observer) -> None:
        """Have ``observer`` told, in seq order and inside the writer's turn, of the events of
        channels ``{kind}:…`` that this process logs, and of those another instance logged before a
        turn came here (read at once, up to ``_FOLLOW_MAX``); a gap means it was not told some
        (composition time; it must not fail or wait)."""
        self._observers.setdefault(kind, []).append(observer)

    async def ensure_indexes(self) -> None:
        await self._events.create_index([("ch", ASCENDING), ("seq", ASCENDING)], unique=True)
        # Not a TTL index: nx-27017 runs a TTL collection's purge, a scan of it, before every read of
        # it, and the log is read in every turn; ``purge_older_than`` runs hourly instead.
        await ensure_plain_index(self._events, field="at")

    async def purge_older_than(self, cutoff: datetime) -> int:
        """Delete the events stamped before ``cutoff`` (the retention; ``channels`` keeps each
        channel's head, and a subscriber asking for them is answered ``recovered: false``)."""
        result = await self._events.delete_many({"at": {"$lt": cutoff}})
        return result.deleted_count

    async def commit(
        self, channel: str, decide: Decide, *, actor: Actor | None, grouped: bool = False
    ) -> Event | Unchanged:
        """Decide a change against the current state and log it as the channel's next event.

        ``decide`` may raise a domain error (nothing is logged) and may be called more than once
        when another writer takes the next seq first; it must only read. It answers ``Unchanged``
        when there is nothing to do (returned as is) and ``First(change)`` to have another change
        logged before its own (it is then called again). Returns the event of its change.

        ``grouped``: the change may be decided and logged in a group with the changes of the channel
        queued in this process (point 7 above); its ``decide`` must then read through ``staged``.
        """
        if grouped:
            return await self._commit_grouped(channel, decide, actor=actor)
        async with self._turns.turn(channel, after=self._follows(channel)) as turn:
            try:
                outcome, tails = await self._commit_in_turn(
                    channel, decide, actor=actor, handed=turn.head, passed=turn.passed
                )
            finally:
                turn.head = self._heads.get(channel, 0)
            turn.logged = _passable(tails)
        # After the turn: the next writer decides on a state that has every op of this event already;
        # only the mark and the publish are left, and they need no turn (the mark only grows, and
        # subscribers order events by seq, filling any hole from the log).
        await self._finish(channel, tails)
        return outcome

    async def _commit_in_turn(
        self,
        channel: str,
        decide: Decide,
        *,
        actor: Actor | None,
        handed: int,
        passed: Sequence[tuple[int, str]] = (),
    ) -> tuple[Event | Unchanged, list[Doc]]:
        """One change, and the ``First`` changes it needs before it, logged and applied (the
        caller holds the turn); → the outcome, and the logged events still to be marked and published."""
        tails: list[Doc] = []
        for _ in range(_FIRST_MAX + 1):
            outcome, tail = await self._commit_one(channel, decide, actor=actor, handed=handed, passed=passed)
            if tail is not None:
                tails.append(tail)
            if not isinstance(outcome, First):
                return outcome, tails
        raise Unavailable(f"too many changes had to come first on {channel}; try again")

    async def _commit_one(
        self,
        channel: str,
        decide: Decide,
        *,
        actor: Actor | None,
        handed: int,
        passed: Sequence[tuple[int, str]],
    ) -> tuple[Event | Unchanged | First, Doc | None]:
        """One event, the one ``decide`` asks for (or the ``First`` one it needs logged before),
        logged and its ops applied; → the outcome, and the event's document to finish."""
        for attempt in range(COMMIT_MAX_ATTEMPTS):
            # The head this process last applied, or the one the turn came with (its last holder
            # applied it), saves the catch-up reads; if another writer moved on, the insert below
            # collides and the next attempt catches up.
            head = await self._head_to_decide_on(channel, handed, passed) if attempt == 0 else 0
            if head == 0:
                head = await self.catch_up(channel)
            token = _deciding.set((channel, head))
            try:
                decision = await decide()
            finally:
                _deciding.reset(token)
            if isinstance(decision, Unchanged):
                return decision, None
            change = decision.change if isinstance(decision, First) else decision
            doc = _event_doc(channel=channel, seq=head + 1, change=change, actor=actor)
            try:
                await self._events.insert_one(doc)
            except DuplicateKeyError:
                # Another writer took head + 1: back off a little so that racers spread out.
                self._heads.pop(channel, None)
                handed = 0
                await asyncio.sleep(random.uniform(0, 0.002 * (attempt + 1)))  # noqa: S311
                continue
            try:
                await self._apply_ops(doc)
            except BaseException:
                self._heads.pop(channel, None)  # state may lag the log: catch up next time
                raise
            self._remember(channel, int(doc["seq"]))
            self._will_mark(channel, int(doc["seq"]))
            for observer in self._observers.get(channel.partition(":")[0], ()):
                observer(channel, int(doc["seq"]), change.event, doc["ops"])
            return (decision if isinstance(decision, First) else _to_event(doc)), doc
        raise Unavailable(f"too many concurrent changes on {channel}; try again")

    async def _finish(self, channel: str, docs: list[Doc]) -> None:
        """The last steps of a commit, at once: the channel's ``applied`` mark and the publish (in
        seq order). Both come after the ops: a published event is in the state; the mark is
        bookkeeping only."""
        if not docs:
            return

        async def publish_in_order() -> None:
            for doc in docs:
                await self._publish(_to_event(doc))

        async def mark() -> None:
            seq = int(docs[-1]["seq"])
            if self._to_mark.get(channel, 0) > seq:
                return  # a later change of this process is applied and will mark past this one
            await self._mark(channel, seq)
            if self._to_mark.get(channel) == seq:
                del self._to_mark[channel]

        for outcome in await asyncio.gather(mark(), publish_in_order(), return_exceptions=True):
            if isinstance(outcome, BaseException):
                raise outcome

    def _will_mark(self, channel: str, seq: int) -> None:
        """``seq`` of ``channel`` is applied here; its ``_finish`` marks it. On a busy channel the
        finishes of the changes before it then skip their marks (one write a group saved; the mark
        is bookkeeping: lagging, it only makes a reader apply a few events again)."""
        self._to_mark[channel] = max(seq, self._to_mark.get(channel, 0))
        if len(self._to_mark) > _KNOWN_HEADS_MAX:
            del self._to_mark[next(iter(self._to_mark))]

    # --- groups (point 7) -----------------------------------------------------------------------------

    async def _commit_grouped(
        self, channel: str, decide: Decide, *, actor: Actor | None
    ) -> Event | Unchanged:
        queued = _Queued(decide, actor)
        self._queued.setdefault(channel, []).append(queued)
        if channel not in self._grouping:
            # Its own task, in a context of its own: a caller that goes away cancels its own wait,
            # never a group that carries other callers' changes.
            self._grouping[channel] = asyncio.create_task(self._drain(channel), context=contextvars.Context())
        return await queued.done

    async def _drain(self, channel: str) -> None:
        """Commit the channel's queued changes, group after group, until none is left. A group's
        mark and publish run while the next group is decided (in order: each after the one before)."""
        finishing: asyncio.Task[None] | None = None
        try:
            while True:
                if self._queued.get(channel):
                    finishing = await self._commit_group(channel, after=finishing)
                elif finishing is not None and not finishing.done():
                    await asyncio.wait([finishing])  # more may be queued meanwhile
                else:
                    break
        except Exception as error:
            log.exception("a group of changes on %s failed", channel)
            for queued in self._queued.pop(channel, []):
                queued.answer(error)
        finally:
            # Left only when cancelled (shutting down): nobody will commit these.
            for queued in self._queued.pop(channel, []):
                queued.answer(Unavailable("the service is stopping; try again"))
            del self._grouping[channel]
            await self._turns.let_go(channel)

    async def _commit_group(self, channel: str, *, after: asyncio.Task[None] | None) -> asyncio.Task[None]:
        """One group in one turn; → the task that marks and publishes it (after ``after``) and
        then answers its callers."""
        group: list[_Queued] = []
        done: list[tuple[_Queued, Event | Unchanged]] = []
        tails: list[Doc] = []
        try:
            async with self._turns.turn(channel, after=self._follows(channel)) as turn:
                # The group is who is queued once the turn is here, not before: the changes that came
                # while another instance held the turn join it instead of waiting for the next one.
                queue = self._queued.get(channel, [])
                group = [queued for queued in queue[:COMMIT_GROUP_MAX] if not queued.done.done()]
                del queue[:COMMIT_GROUP_MAX]
                try:
                    await self._decide_group(channel, group, turn, done, tails)
                finally:
                    turn.head = self._heads.get(channel, 0)
                    turn.more = any(not queued.done.done() for queued in self._queued.get(channel, []))
                turn.logged = _passable(tails)
        except BaseException as error:
            stopped = Unavailable("the change was interrupted; try again")
            answer = error if isinstance(error, Exception) else stopped
            for queued in group:
                queued.answer(answer)
            raise
        return asyncio.create_task(self._finish_group(channel, group, done, tails, after=after))

    async def _finish_group(
        self,
        channel: str,
        group: list[_Queued],
        done: list[tuple[_Queued, Event | Unchanged]],
        tails: list[Doc],
        *,
        after: asyncio.Task[None] | None,
    ) -> None:
        if after is not None:
            await asyncio.wait([after])  # in order; its own outcome went to its own callers
        try:
            await self._finish(channel, tails)
        except Exception as error:
            for queued in group:
                queued.answer(error)
            return
        for queued, outcome in done:
            queued.answer(outcome)

    async def _decide_group(
        self,
        channel: str,
        group: list[_Queued],
        turn: Turn,
        done: list[tuple[_Queued, Event | Unchanged]],
        tails: list[Doc],
    ) -> None:
        """Decide the group's changes one after another on the staged state, log them with one
        insert and apply them; a change another writer pre-empted is decided again on its own.
        Outcomes go to ``done`` (errors straight to their caller), logged events to ``tails``."""
        head = await self._head_to_decide_on(channel, turn.head, turn.passed) or await self.catch_up(channel)
        observers = self._observers.get(channel.partition(":")[0], [])
        staged: State = {}
        entries: list[tuple[_Queued | None, Doc]] = []  # None: a First change, logged for its owner
        for queued in group:
            for _ in range(_FIRST_MAX + 1):
                seq = head + len(entries) + 1
                deciding, staging = _deciding.set((channel, seq - 1)), _staged.set(staged)
                try:
                    decision = await queued.decide()
                except Exception as error:
                    queued.answer(error)
                    break
                finally:
                    _deciding.reset(deciding)
                    _staged.reset(staging)
                if isinstance(decision, Unchanged):
                    done.append((queued, decision))
                    break
                change = decision.change if isinstance(decision, First) else decision
                doc = _event_doc(channel=channel, seq=seq, change=change, actor=queued.actor)
                _overlay(staged, doc)
                entries.append((None if isinstance(decision, First) else queued, doc))
                for observer in observers:
                    observer(channel, seq, change.event, doc["ops"])
                if not isinstance(decision, First):
                    break
            else:
                queued.answer(Unavailable(f"too many changes had to come first on {channel}; try again"))
        if not entries:
            return
        inserted = await self._insert_in_order([doc for _, doc in entries])
        if inserted < len(entries):
            self._heads.pop(channel, None)
            for observer in observers:
                observer(channel, head + inserted + 1, NOT_LOGGED, [])
        logged = entries[:inserted]
        if logged:
            try:
                await self._apply_many([doc for _, doc in logged])
            except BaseException:
                self._heads.pop(channel, None)  # state may lag the log: catch up next time
                raise
            self._remember(channel, int(logged[-1][1]["seq"]))
            self._will_mark(channel, int(logged[-1][1]["seq"]))
            tails.extend(doc for _, doc in logged)
            done.extend((owner, _to_event(doc)) for owner, doc in logged if owner is not None)
        # Another writer took a seq of the group: the rest is decided again, one by one, on its state.
        for owner, _ in entries[inserted:]:
            if owner is None or owner.done.done():
                continue
            try:
                outcome, more_tails = await self._commit_in_turn(
                    channel, owner.decide, actor=owner.actor, handed=0
                )
            except Exception as error:
                owner.answer(error)
                continue
            tails.extend(more_tails)
            done.append((owner, outcome))

    def _follows(self, channel: str) -> int:
        """The seq after which this process wants the events passed on with a turn (0: none): the
        head it knows, when someone carries figures over the channel's events (``observe``)."""
        return self._heads.get(channel, 0) if self._observers.get(channel.partition(":")[0]) else 0

    async def _head_to_decide_on(self, channel: str, handed: int, passed: Sequence[tuple[int, str]]) -> int:
        """The head a writer may decide on without catching up (0: unknown): the one this process
        applied last, or the one the turn came with. When the turn comes with a newer head (another
        instance wrote meanwhile), the observers are told the other writer's events too: those
        ``passed`` on with the turn, or, if some are missing there, all of them from one read, so
        that what they carry stays at the head instead of being read again."""
        known = self._heads.get(channel, 0)
        observers = self._observers.get(channel.partition(":")[0], [])
        if observers and 0 < known < handed <= known + _FOLLOW_MAX:
            docs = _passed_between(passed, known, handed) or await self._logged_between(
                channel, known, handed, {"seq": 1, "event": 1, "ops": 1}
            )
            if [int(doc["seq"]) for doc in docs] == list(range(known + 1, handed + 1)):
                for doc in docs:
                    for observer in observers:
                        observer(channel, int(doc["seq"]), doc["event"], doc.get("ops", []))
        return max(known, handed)

    async def _logged_between(
        self, channel: str, after: int, upto: int, projection: Doc | None = None
    ) -> list[Doc]:
        """The channel's events ``after < seq <= upto``, in seq order: by id (``event_id``), or, when
        some are not found so (logged before ids were derived from the seq, or expired), by range."""
        ids = [event_id(channel, seq) for seq in range(after + 1, upto + 1)]
        docs = await self._events.find({"_id": {"$in": ids}}, projection).to_list()
        if len(docs) == len(ids):
            return sorted(docs, key=lambda doc: int(doc["seq"]))
        query = {"ch": channel, "seq": {"$gt": after, "$lte": upto}}
        return await self._events.find(query, projection).sort("seq", ASCENDING).to_list()

    async def _insert_in_order(self, docs: list[Doc]) -> int:
        """Log consecutive events with one ordered insert; → how many were logged before a seq
        another writer took (the insert stops there)."""
        try:
            await self._events.insert_many(docs, ordered=True)
        except BulkWriteError as error:
            errors = error.details.get("writeErrors", [])
            others = [e for e in errors if e.get("code") != _DUPLICATE_KEY]
            if others or error.details.get("writeConcernErrors"):
                raise
            return int(error.details.get("nInserted", 0))
        return len(docs)

    async def _apply_many(self, docs: list[Doc]) -> None:
        """The ops of consecutive events, at once: of the ops that write one document, the newest
        only (a Put carries the whole document, so it leaves what all of them would), one bulk
        write per collection."""
        newest: dict[tuple[str, str], tuple[Doc, int]] = {}
        for doc in docs:
            seq = int(doc["seq"])
            for raw in doc.get("ops", []):
                target = raw["doc"]["_id"] if raw["op"] == "put" else raw["id"]
                newest[(raw["collection"], target)] = (raw, seq)
        by_collection: dict[str, list[tuple[Doc, int]]] = {}
        for (name, _), pair in newest.items():
            by_collection.setdefault(name, []).append(pair)
        await asyncio.gather(
            *(
                self._apply_bulk(name, pairs) if len(pairs) > 1 else self._apply_op(*pairs[0])
                for name, pairs in by_collection.items()
            )
        )

    async def catch_up(self, channel: str) -> int:
        """Apply every logged event of the channel to the state; return the channel's head seq."""
        # The mark comes after the turn, so it lags a busy channel by a group or so: the events this
        # process applied itself are not applied again.
        applied = max(await self._applied(channel), self._heads.get(channel, 0))
        pending = (
            await self._events.find({"ch": channel, "seq": {"$gt": applied}}).sort("seq", ASCENDING).to_list()
        )
        if not pending:
            self._remember(channel, applied)
            return applied
        await self._apply(channel, pending)
        head = int(pending[-1]["seq"])
        self._remember(channel, head)
        for doc in pending:
            # The writer of these may have died before publishing; receivers drop repeats by seq.
            await self._publish(_to_event(doc))
        return head

    def _remember(self, channel: str, head: int) -> None:
        """Every event up to ``head`` is applied: a next commit here may decide without catching up."""
        heads = self._heads
        heads.pop(channel, None)
        heads[channel] = head
        if len(heads) > _KNOWN_HEADS_MAX:
            del heads[next(iter(heads))]

    async def catch_up_recent(self, *, window_s: float) -> int:
        """Roll forward every channel written in the last ``window_s`` seconds; return how many.

        A writer that died between logging an event and applying it leaves the event unseen until
        someone touches the channel again; this sweep makes that "soon" on quiet channels too.
        """
        since = utc_now() - timedelta(seconds=window_s)
        channels = {
            doc["ch"] for doc in await self._events.find({"at": {"$gte": since}}, {"ch": 1}).to_list()
        }
        for channel in sorted(channels):
            await self.catch_up(channel)
        return len(channels)

    async def recent_channels(self, *, since: datetime) -> list[str]:
        """Channels with an event stamped at or after ``since`` (for followers of the log)."""
        docs = await self._events.find({"at": {"$gte": since}}, {"ch": 1}).to_list()
        return sorted({doc["ch"] for doc in docs})

    async def read(self, channel: str, read_state: Callable[[], Awaitable[State]]) -> tuple[State, int]:
        """Read a state that reflects every event of the channel up to the returned seq, none after."""
        applied = await self.catch_up(channel)
        state = await read_state()
        head = await self.head(channel)
        if head > applied:
            # Events logged while we read: fold them in so the state matches ``head`` exactly.
            # A document read with a newer ``_seq`` than an op keeps what it has.
            for doc in await self._logged_between(channel, applied, head):
                _overlay(state, doc)
        return state, head

    async def head(self, channel: str) -> int:
        # Only the seq: the newest event may be megabytes (an import's batch).
        newest = await self._events.find_one({"ch": channel}, {"seq": 1}, sort=[("seq", DESCENDING)])
        if newest is not None:
            return int(newest["seq"])
        return await self._applied(channel)

    async def since(self, channel: str, seq: int, *, limit: int | None = None) -> list[Event]:
        cursor = self._events.find({"ch": channel, "seq": {"$gt": seq}}).sort("seq", ASCENDING)
        if limit is not None:
            cursor = cursor.limit(limit)
        return [_to_event(doc) for doc in await cursor.to_list()]

    async def recent_heads(self, *, window_s: float) -> dict[str, int]:
        """The newest seq of every channel written in the last ``window_s`` seconds (by ``at``).

        One cheap query however many channels an instance follows; its cost grows with the write rate
        only, and it is nothing on a quiet system.
        """
        since = utc_now() - timedelta(seconds=window_s)
        heads: dict[str, int] = {}
        async for doc in self._events.find({"at": {"$gte": since}}, {"ch": 1, "seq": 1, "_id": 0}):
            channel, seq = doc["ch"], int(doc["seq"])
            if seq > heads.get(channel, 0):
                heads[channel] = seq
        return heads

    async def applied_marks(self, channels: Sequence[str]) -> dict[str, int]:
        """The ``applied`` mark of each channel (0 if none), in one query: every event up to it is in
        the state. For followers of many channels (search) that only need to know which moved on."""
        marks = dict.fromkeys(channels, 0)
        async for doc in self._channels.find({"_id": {"$in": list(channels)}}, {"applied": 1}):
            marks[doc["_id"]] = int(doc.get("applied", 0))
        return marks

    async def logged_since(
        self, channel: str, seq: int, *, limit: int
    ) -> list[tuple[int, list[Put | Delete]]]:
        """The ops of the channel's events after ``seq`` (at most ``limit`` events), in order: what a
        follower of the log folds into a state of its own (the search index)."""
        cursor = self._events.find({"ch": channel, "seq": {"$gt": seq}}, {"seq": 1, "ops": 1})
        out: list[tuple[int, list[Put | Delete]]] = []
        for doc in await cursor.sort("seq", ASCENDING).limit(limit).to_list():
            ops: list[Put | Delete] = [
                Put.model_validate(raw) if raw["op"] == "put" else Delete.model_validate(raw)
                for raw in doc.get("ops", [])
            ]
            out.append((int(doc["seq"]), ops))
        return out

    async def oldest_kept(self, channel: str) -> int | None:
        oldest = await self._events.find_one({"ch": channel}, sort=[("seq", ASCENDING)])
        return None if oldest is None else int(oldest["seq"])

    async def find_event(self, channel: str, seq: int) -> Event | None:
        doc = await self._events.find_one({"_id": event_id(channel, seq)})
        if doc is None:  # logged before ids were derived from the seq
            doc = await self._events.find_one({"ch": channel, "seq": seq})
        return None if doc is None else _to_event(doc)

    async def erase_fields(self, channel: str, *, resource_id: str, fields: Sequence[str]) -> int:
        """Blank personal ``fields`` of one resource in every logged event of a channel; → how many.

        The one exception to "events never change": a person's data must be erasable (APPI), and
        replays with ``since`` must not bring an erased name back. Seqs and event names stay.
        """
        changed = 0
        # Found by the event's data (a check-in's event) or by an op that wrote the resource (a
        # registration, whose events carry counts only).
        query = {"ch": channel, "$or": [{"data.id": resource_id}, {"ops.doc._id": resource_id}]}
        for doc in await self._events.find(query).to_list():
            data = {k: (None if k in fields else v) for k, v in (doc.get("data") or {}).items()}
            ops = [_erase_op(raw, resource_id, fields) for raw in doc.get("ops", [])]
            if data != doc.get("data") or ops != doc.get("ops", []):
                # A whole-document replace: $set would turn the dates inside ``ops`` into strings.
                await self._events.replace_one({"_id": doc["_id"]}, {**doc, "data": data, "ops": ops})
                changed += 1
        return changed

    async def _applied(self, channel: str) -> int:
        doc = await self._channels.find_one({"_id": channel})
        return 0 if doc is None else int(doc.get("applied", 0))

    async def _apply(self, channel: str, docs: list[Doc]) -> None:
        await self._apply_many(docs)
        await self._mark(channel, int(docs[-1]["seq"]))

    async def _apply_ops(self, doc: Doc) -> None:
        # The ops of one event touch different documents: written at once (one round trip, not one
        # per op). A crash among them leaves some written and the mark behind; the next catch-up
        # completes them (tests/events/test_log_crash.py kills at each write).
        seq = int(doc["seq"])
        groups: dict[str, list[Doc]] = {}
        for raw in doc.get("ops", []):
            groups.setdefault(raw["collection"], []).append(raw)
        writes: list[Awaitable[None]] = []
        for name, raws in groups.items():
            if len(raws) >= _BULK_FROM:
                writes.append(self._apply_bulk(name, [(raw, seq) for raw in raws]))
            else:
                writes.extend(self._apply_op(raw, seq) for raw in raws)
        await asyncio.gather(*writes)

    async def _apply_bulk(self, name: str, pairs: list[tuple[Doc, int]]) -> None:
        """Many ops of one collection (an import's batch, a group), each with the seq of its event,
        in one round trip: on nx-27017, 400 replaces take ~1 s one by one and ~0.14 s as one
        unordered bulk write (measured)."""
        requests = []
        for raw, seq in pairs:
            target, stored = _stored(raw, seq)
            requests.append(ReplaceOne({"_id": target, "_seq": {"$lt": seq}}, stored, upsert=True))
        try:
            await self._db[name].bulk_write(requests, ordered=False)
        except BulkWriteError as error:
            # A duplicate key is a document already at this seq or newer, as in ``_apply_op``.
            others = [e for e in error.details.get("writeErrors", []) if e.get("code") != _DUPLICATE_KEY]
            if others or error.details.get("writeConcernErrors"):
                raise

    async def _mark(self, channel: str, seq: int) -> None:
        """Every event up to ``seq`` is in the state; only once its ops are (the mark only grows)."""
        await self._channels.update_one({"_id": channel}, {"$max": {"applied": seq}}, upsert=True)

    async def _apply_op(self, raw: Doc, seq: int) -> None:
        collection = self._db[raw["collection"]]
        target, stored = _stored(raw, seq)
        # The whole document is replaced (a Put carries the whole document), never ``$set``: on
        # nx-27017 a top-level ``$set`` stores datetimes as strings and booleans as 0/1.
        # A duplicate key means the document is already at this seq or newer: applying an event
        # twice changes nothing.
        with suppress(DuplicateKeyError):
            await collection.replace_one({"_id": target, "_seq": {"$lt": seq}}, stored, upsert=True)

    async def _publish(self, event: Event) -> None:
        if self._sink is None:
            return
        try:
            await self._sink(event)
        except Exception:
            # The event is logged; subscribers fill the gap from the log. Never fail the change.
            log.exception("publishing %s #%d failed", event.channel, event.seq)


def _passable(docs: list[Doc]) -> list[tuple[int, str]]:
    """The events a writer logged, as passed on with the turn (``Turn.logged``): what observers are
    told of each (BSON, so that dates stay dates), unless it is too large to pass (an import's batch;
    the next holder then reads it from the log)."""
    out: list[tuple[int, str]] = []
    for doc in docs:
        raw = bson.encode({"seq": doc["seq"], "event": doc["event"], "ops": doc.get("ops", [])})
        if len(raw) <= _PASS_MAX_BYTES:
            out.append((int(doc["seq"]), base64.b64encode(raw).decode("ascii")))
    return out


def _passed_between(passed: Sequence[tuple[int, str]], after: int, upto: int) -> list[Doc] | None:
    """The events ``after < seq <= upto`` passed on with a turn, in order; None if one is missing."""
    texts = {seq: text for seq, text in passed if after < seq <= upto}
    if len(texts) != upto - after:
        return None
    return [
        bson.decode(base64.b64decode(texts[seq]), codec_options=_PASSED_CODEC)
        for seq in range(after + 1, upto + 1)
    ]


def _stored(raw: Doc, seq: int) -> tuple[str, Doc]:
    """The id an op writes and the document it stores there."""
    if raw["op"] == "put":
        return raw["doc"]["_id"], {**raw["doc"], "_seq": seq, "_deleted": False}
    return raw["id"], {"_id": raw["id"], "_seq": seq, "_deleted": True}


def event_id(channel: str, seq: int) -> str:
    """An event's ``_id``, derived from where it is in the log: a known range of seqs is then read
    by id (one index probe per event on nx-27017 too, where a ``(ch, seq)`` range scans the log)."""
    return f"{channel}#{seq}"


def _event_doc(*, channel: str, seq: int, change: Change, actor: Actor | None) -> Doc:
    return {
        "_id": event_id(channel, seq),
        "ch": channel,
        "seq": seq,
        "event": change.event,
        "data": change.data,
        "ops": [op.model_dump() for op in change.ops],
        "actor": None if actor is None else actor.model_dump(),
        # MongoDB keeps milliseconds: stamp with what it keeps, so that the frame published now and
        # the one read back for a recovering subscriber are byte for byte the same.
        "at": _now_ms(),
    }


def _erase_op(raw: Doc, resource_id: str, fields: Sequence[str]) -> Doc:
    if raw.get("op") != "put" or raw["doc"].get("_id") != resource_id:
        return raw
    return {**raw, "doc": {k: (None if k in fields else v) for k, v in raw["doc"].items()}}


def _now_ms() -> datetime:
    now = utc_now()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _to_event(doc: Doc) -> Event:
    return Event(
        channel=doc["ch"],
        seq=doc["seq"],
        event=doc["event"],
        data=doc["data"],
        actor=doc.get("actor"),
        at=doc["at"],
    )


def _overlay(state: State, event_doc: Doc) -> None:
    seq = int(event_doc["seq"])
    for raw in event_doc.get("ops", []):
        op: Put | Delete = Put.model_validate(raw) if raw["op"] == "put" else Delete.model_validate(raw)
        docs = state.setdefault(op.collection, {})
        target = op.doc["_id"] if isinstance(op, Put) else op.id
        current = docs.get(target)
        if current is not None and int(current.get("_seq", 0)) >= seq:
            continue
        if isinstance(op, Put):
            docs[target] = {**op.doc, "_seq": seq, "_deleted": False}
        else:
            docs[target] = {"_id": target, "_seq": seq, "_deleted": True}
