"""Stopping background tasks for good, even when a cancellation is swallowed on the way.

On Python 3.11 ``asyncio.wait_for`` can swallow a cancellation that arrives as the awaited thing
completes (CPython gh-86296, fixed in 3.12). redis-py's connection pool runs one before every
command (``can_read_destructive``), so a task cancelled during a Redis call sometimes carries on as
if nothing happened: measured here, a ``GET`` cancelled while in flight returned normally in about
4 of 10 tries. A loop that then goes back to its ``sleep`` never ends, and neither does an app's
cleanup waiting for it (seen once in a full test run: the presence heartbeat kept beating 20 s into
a shutdown). So the tasks still running a moment after the cancellation are cancelled again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from hub.limits import TASK_CANCEL_AGAIN_S, TASK_CANCEL_TRIES

log = logging.getLogger(__name__)


async def cancel_and_wait(
    tasks: Iterable[asyncio.Task[None]],
    *,
    again_after_s: float = TASK_CANCEL_AGAIN_S,
    tries: int = TASK_CANCEL_TRIES,
) -> None:
    """Cancel ``tasks`` and wait until they end; a task still running ``again_after_s`` after a
    cancellation is cancelled again, up to ``tries`` times in all, then left (and logged)."""
    tasks = list(tasks)
    pending = {task for task in tasks if not task.done()}
    for _ in range(tries):
        if not pending:
            break
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=again_after_s)
    for task in pending:
        log.warning("task %s did not stop after %d cancellations; left running", task.get_name(), tries)
    for task in tasks:
        # A loop that had died of an error: said here, once (asyncio would say it at garbage collection).
        if task.done() and not task.cancelled() and task.exception() is not None:
            log.error("task %s had failed", task.get_name(), exc_info=task.exception())
