"""When a test's setup, call or teardown runs past ``WATCHDOG_S``, print every pending asyncio task
with the line it waits on, to stderr.

pytest-timeout prints the threads' stacks, which on an event loop only say "in select()". A hang in
a teardown seen on CI (an app that never finished closing) needs the tasks: which one waits, and on
what. This is only a report; the test's own timeout still decides.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import threading
from collections.abc import Generator
from typing import Any

import pytest

WATCHDOG_S = 45.0


def _pending_tasks() -> list[asyncio.Task[Any]]:
    # The loop runs in the main thread and this is another thread: a loop's task set cannot be
    # asked for from here, but the tasks are objects like any other.
    return [o for o in gc.get_objects() if isinstance(o, asyncio.Task) and not o.done()]


def _await_chain(coro: Any) -> list[str]:
    """The frames a coroutine waits through, outermost first (``task.get_stack`` gives only one)."""
    lines = []
    for _ in range(40):
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if frame is None:
            if coro is not None:
                lines.append(f"awaits {coro!r}"[:300])
            break
        lines.append(f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}")
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
    return lines


def _report(nodeid: str, phase: str) -> None:
    lines = [f"watchdog: {nodeid} {phase} still running after {WATCHDOG_S:.0f} s; pending tasks:"]
    for task in _pending_tasks():
        lines.append(f"  task {task.get_name()}:")
        lines.extend(f"    {line}" for line in _await_chain(task.get_coro()))
    print("\n".join(lines), file=sys.stderr, flush=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, Any, Any]:
    return (yield from _watched(item, "setup"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, Any]:
    return (yield from _watched(item, "call"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, Any, Any]:
    return (yield from _watched(item, "teardown"))


def _watched(item: pytest.Item, phase: str) -> Generator[None, Any, Any]:
    timer = threading.Timer(WATCHDOG_S, _report, args=(item.nodeid, phase))
    timer.daemon = True
    timer.start()
    try:
        return (yield)
    finally:
        timer.cancel()
