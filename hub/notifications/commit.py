"""Committing a change at most once: ``decide`` may find that the change is made already.

``EventLog.commit`` rolls every logged event of the channel into the state before it calls
``decide``, and calls it again when another writer took the next seq first. So a ``decide`` that
reads "is it done?" and answers ``None`` sees every earlier commit of the same change, and two
racing writers of one change log exactly one event (the loser re-decides and finds it done).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from hub.events.log import EventLog
from schemas.events import Actor, Change, Event


class _Unchanged(Exception):
    pass


async def commit_once(
    events: EventLog,
    channel: str,
    decide: Callable[[], Awaitable[Change | None]],
    *,
    actor: Actor | None,
) -> Event | None:
    """Log the change ``decide`` returns; None (nothing logged) when it returns None."""

    async def guarded() -> Change:
        change = await decide()
        if change is None:
            raise _Unchanged
        return change

    try:
        return await events.commit(channel, guarded, actor=actor)
    except _Unchanged:
        return None
