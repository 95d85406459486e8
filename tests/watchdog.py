"""Hangs, reported where they can be read: a test phase that runs past ``WATCHDOG_S``, or a teardown
step that does not finish within ``TEARDOWN_LIMIT_S``, is written down with every pending asyncio task
and the line it waits on, and printed in the run's summary ("hangs").

pytest-timeout prints the threads' stacks, which on an event loop only say "in select()". The
teardown hangs seen on a loaded CI machine (an app or a browser context that never finished closing,
twice in a run of ~700 tests, never reproduced alone) need the tasks: which one waits, and on what.

A teardown step past its limit is cancelled and left behind, with its report, rather than turning
a passed test into a timeout and every later test into a wait.
"""

from __future__ import annotations

import asyncio
import gc
import inspect
import sys
import threading
from collections.abc import Awaitable, Generator
from typing import Any

import pytest

WATCHDOG_S = 45.0
TEARDOWN_LIMIT_S = 20.0

_reports: list[str] = []


def _pending_tasks() -> list[asyncio.Task[Any]]:
    # The watchdog's timer runs in another thread than the loop: a loop's task set cannot be asked
    # for from there, but the tasks are objects like any other.
    return [o for o in gc.get_objects() if isinstance(o, asyncio.Task) and not o.done()]


def _await_chain(coro: Any) -> list[str]:
    """The frames a coroutine waits through, outermost first (``task.get_stack`` gives only one)."""
    lines = []
    for _ in range(40):
        if type(coro).__name__ in ("async_generator_asend", "async_generator_athrow"):
            # A cleanup context's generator being resumed: the generator itself is the one referent.
            coro = next((r for r in gc.get_referents(coro) if inspect.isasyncgen(r)), coro)
        frame = (
            getattr(coro, "cr_frame", None)
            or getattr(coro, "gi_frame", None)
            or getattr(coro, "ag_frame", None)
        )
        if frame is None:
            if coro is not None:
                lines.append(f"awaits {coro!r}"[:300])
            break
        lines.append(f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}")
        coro = (
            getattr(coro, "cr_await", None)
            or getattr(coro, "gi_yieldfrom", None)
            or getattr(coro, "ag_await", None)
        )
    return lines


def report(headline: str) -> None:
    lines = [f"{headline}; pending tasks:"]
    for task in _pending_tasks():
        lines.append(f"  task {task.get_name()}:")
        lines.extend(f"    {line}" for line in _await_chain(task.get_coro()))
    text = "\n".join(lines)
    _reports.append(text)
    print(text, file=sys.stderr, flush=True)


async def bounded(step: Awaitable[Any], *, what: str) -> bool:
    """Await a teardown step for at most ``TEARDOWN_LIMIT_S``; past that, report the pending tasks,
    cancel the step and go on. True when the step finished."""
    task = asyncio.ensure_future(step)
    done, _ = await asyncio.wait({task}, timeout=TEARDOWN_LIMIT_S)
    if done:
        task.result()
        return True
    report(f"teardown: {what} took longer than {TEARDOWN_LIMIT_S:.0f} s; left behind")
    task.add_done_callback(lambda t: t.cancelled() or t.exception())  # retrieved: no warning later
    task.cancel()
    await asyncio.wait({task}, timeout=5.0)
    return False


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
    headline = f"watchdog: {item.nodeid} {phase} still running after {WATCHDOG_S:.0f} s"
    timer = threading.Timer(WATCHDOG_S, report, args=(headline,))
    timer.daemon = True
    timer.start()
    try:
        return (yield)
    finally:
        timer.cancel()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _reports:
        terminalreporter.section("hangs")
        for text in _reports:
            terminalreporter.write_line(text)
