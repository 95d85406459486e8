"""The board page in Debian's chromium with 500 cards while someone else changes one card a second:
time from a change's arrival in the page to the end of the frame that shows it, split into the page's
own work and the wait for the frame, next to baselines measured in the same run and interleaved with
the changes (the machine is shared: a baseline taken a minute later measures another machine).

    .venv/bin/python bench/board_page.py [--cards 500] [--changes 60] [--rate 1] [--trace]
                                         [--clock both|60hz|unthrottled]

The changes run twice on the same board, once per frame clock, each in its own chromium:

- ``60hz``: chromium as it comes. A frame begins on the display compositor's 60 Hz timer
  (``DelayBasedBeginFrameSource``), so a change arriving at a random moment waits 0–16.7 ms for the
  next tick whatever the page does: under this clock p95 ≥ ~16 ms for any page, even one line of text
  changed with the board not displayed. Printed with it: the share of changes shown in the first frame
  after their arrival (that frame's tick, ``requestAnimationFrame``'s argument, less than one tick after
  the arrival: no frame skipped), and of those whose frame also ended before the next tick.
- ``unthrottled``: ``--disable-gpu-vsync --disable-frame-rate-limit``: a frame begins as soon as one
  is needed (the "nothing changed" baseline and the board-hidden floor fall to a few ms, which shows
  it), so arrival → painted is the page's script plus the work of the frame that shows the change.
  **The target (p95 ≤ 16 ms, "one frame") is judged on this figure**: the page's work and its frame's
  fit in one frame; the 60 Hz figure adds the frame clock's phase on top.

Starts its own on-disk nx-27017 and redis-server (hub/embedded.py) and one ``dejima serve``; the bench
process is the other person (HTTP) and drives chromium through Playwright.

What is measured, per remote change (all in the page's ``performance.now()`` clock):

- ``arrival``: the WebSocket ``message`` event's own ``timeStamp`` (recorded by a listener the bench
  adds before the page's, so the channel's JSON parsing and the page's code are inside the figure);
- ``patched``: board.js has patched the DOM (``window.dejimaBoard.timings()``);
- ``frame``: the next animation frame starts (``requestAnimationFrame`` after the patch), and ``tick``
  that frame's begin time as the frame clock gave it (the callback's argument);
- ``painted``: a message posted from that callback runs, i.e. after the frame's style, layout, paint
  and commit on the main thread (what the page can influence; rasterising on the compositor is not).

Baselines, one of each half-way between two changes: the same wait for a frame with nothing changed
(what the frame clock and the machine cost by themselves) and the smallest visible change (one text
line outside the board); and, after the run, a full re-render of the same board timed the same way.
``renders()`` counts full renders, patches, card tiles rebuilt and card nodes moved: a remote change
must never re-render the board, and moves only the card that moved.
``--trace`` records a Chromium performance trace of the changes and prints where the renderer's main
thread spent its time (and any style or layout forced from script, i.e. layout thrashing).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from playwright.async_api import Page, async_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from boards import ADMIN, _call, _sign_in, _start_instance, _wait_ready  # noqa: E402

from hub.embedded import EmbeddedStack, free_port  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
COLUMNS = 5

# Before any page script: note the arrival time of every event frame by its seq (the listener added in
# the constructor runs before the page's own ``onmessage``).
ARRIVALS = """(() => {
  const Base = window.WebSocket;
  window.dejimaArrivals = {};
  window.WebSocket = class extends Base {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => {
        // JSON.parse of a frame is a few microseconds; it runs before the page's own parse.
        let message = null;
        try { message = JSON.parse(event.data); } catch { return; }
        if (message && message.type === "event") window.dejimaArrivals[message.seq] = event.timeStamp;
      });
    }
  };
})();"""

# In the page, one sample of each baseline: the wait for the next frame with nothing changed, and the
# smallest visible change (a line of text outside the board), each timed from "now" to after the frame.
ONE_BASELINE = """async (i) => {
  const afterFrame = () => new Promise((resolve) => requestAnimationFrame(() => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve(performance.now());
    channel.port2.postMessage(null);
  }));
  let start = performance.now();
  const idle = (await afterFrame()) - start;
  await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 40));
  const node = document.querySelector("[data-live-state]");
  start = performance.now();
  node.textContent = node.textContent.endsWith(" ") ? node.textContent.trim() : `${node.textContent} `;
  const smallest = (await afterFrame()) - start;
  return { idle, smallest };
}"""


# In the page: the whole board rebuilt `n` times, each timed like a patch (done, then painted).
FULL_RENDERS = """async (n) => {
  const out = [];
  for (let i = 0; i < n; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const start = performance.now();
    window.dejimaBoard.fullRender();
    const done = performance.now();
    const painted = await new Promise((resolve) => requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => resolve(performance.now());
      channel.port2.postMessage(null);
    }));
    out.push({ work: done - start, painted: painted - start });
  }
  return out;
}"""


def _figures(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"p50 {statistics.median(ordered):6.2f} ms   p95 {p95:6.2f} ms   max {ordered[-1]:6.2f} ms"


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


async def _fill(
    session: aiohttp.ClientSession, url: str, token: str, cards: int
) -> tuple[str, list[str], list[str]]:
    project = await _call(
        session,
        "POST",
        url + "/api/projects",
        token,
        {"title": "bench", "summary": "", "visibility": "public"},
    )
    board_id = project["board_id"]
    columns = []
    for index in range(COLUMNS):
        column = await _call(
            session, "POST", f"{url}/api/boards/{board_id}/columns", token, {"title": f"列 {index}"}
        )
        columns.append(column["id"])
    card_ids: list[str] = []
    queue = iter(range(cards))

    async def writer() -> None:
        for index in queue:
            body = {
                "column_id": columns[index % COLUMNS],
                "title": f"カード {index} 地域防災訓練の準備",
                "labels": ["広報"] if index % 3 == 0 else [],
                "due": "2026-12-01" if index % 4 == 0 else None,
            }
            card = await _call(session, "POST", f"{url}/api/boards/{board_id}/cards", token, body)
            card_ids.append(card["id"])

    await asyncio.gather(*(writer() for _ in range(4)))
    return board_id, columns, card_ids


async def _open(page: Page, url: str, board_id: str) -> None:
    await page.goto(url + "/login")
    await page.fill("#login-email", ADMIN[0])
    await page.fill("#login-password", ADMIN[1])
    await page.click("#login-form button[type=submit]")
    await page.wait_for_url(lambda target: "/login" not in target)
    await page.goto(f"{url}/boards/{board_id}")
    await page.wait_for_selector("body[data-board-live=live]")


async def _changes(
    page: Page,
    session: aiohttp.ClientSession,
    url: str,
    token: str,
    args: argparse.Namespace,
    columns: list[str],
    card_ids: list[str],
    offset: int = 0,
) -> list[dict[str, float]]:
    """One change a second by someone else (titles edited, cards moved to the next column); half-way
    between two changes, one sample of each baseline. Returns the baselines."""
    baselines: list[dict[str, float]] = []
    started = time.perf_counter()
    for number in range(args.changes):
        index = offset + number
        card_id = card_ids[(index * 37) % len(card_ids)]
        card = await _call(session, "GET", f"{url}/api/cards/{card_id}", token)
        if index % 2 == 0:
            body = {"version": card["version"], "title": f"変更 {index} {card['title'][:20]}"}
            await _call(session, "PATCH", f"{url}/api/cards/{card_id}", token, body)
        else:
            target = columns[(columns.index(card["column_id"]) + 1) % COLUMNS]
            body = {"column_id": target, "after": None}
            await _call(session, "POST", f"{url}/api/cards/{card_id}/move", token, body)
        half = started + (number + 0.5) / args.rate - time.perf_counter()
        if half > 0:
            await asyncio.sleep(half)
        baselines.append(await page.evaluate(ONE_BASELINE, index))
        pause = started + (number + 1) / args.rate - time.perf_counter()
        if pause > 0:
            await asyncio.sleep(pause)
    return baselines


async def _traced(page: Page, run: Any) -> tuple[Any, list[dict[str, Any]]]:
    """Run `run()` under a Chromium performance trace; returns its result and the trace's events."""
    cdp = await page.context.new_cdp_session(page)
    done: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    cdp.on("Tracing.tracingComplete", lambda event: done.set_result(event["stream"]))
    categories = "devtools.timeline,disabled-by-default-devtools.timeline,blink.user_timing"
    await cdp.send("Tracing.start", {"categories": categories, "transferMode": "ReturnAsStream"})
    result = await run()
    await cdp.send("Tracing.end")
    stream = await done
    chunks = []
    while True:
        part = await cdp.send("IO.read", {"handle": stream})
        chunks.append(part["data"])
        if part.get("eof"):
            break
    await cdp.send("IO.close", {"handle": stream})
    await cdp.detach()  # a page traced many times (board_frame_lab.py) keeps no session per trace
    data = json.loads("".join(chunks))
    events = data["traceEvents"] if isinstance(data, dict) else data
    return result, events


SCRIPT = {
    "FunctionCall",
    "EvaluateScript",
    "TimerFire",
    "FireAnimationFrame",
    "EventDispatch",
    "v8.callFunction",
}
# The intersection observer is chromium's own, for `content-visibility: auto` (one target per card):
# it runs in every frame that laid anything out.
OBSERVER = "IntersectionObserverController::computeIntersections"
RENDERING = {
    "UpdateLayoutTree",
    "Layout",
    "PrePaint",
    "Paint",
    "Layerize",
    "Commit",
    "RecalculateStyles",
    OBSERVER,
}


def _where_time_goes(events: list[dict[str, Any]], changes: int) -> None:
    """Main-thread time of the renderer by task kind, per change; style/layout run inside a script
    (forced by reading geometry after a write: layout thrashing) counted apart."""
    mains = {
        (e["pid"], e["tid"])
        for e in events
        if e.get("ph") == "M" and e.get("name") == "thread_name" and e["args"].get("name") == "CrRendererMain"
    }
    busiest = max(mains, key=lambda k: sum(1 for e in events if (e["pid"], e["tid"]) == k), default=None)
    spans = sorted(
        (e for e in events if e.get("ph") == "X" and (e["pid"], e["tid"]) == busiest and "dur" in e),
        key=lambda e: (e["ts"], -e["dur"]),
    )
    totals: dict[str, float] = {}
    cpu: dict[str, float] = {}  # thread time: what the task itself used, not its waits for a core
    forced = 0.0
    forced_count = 0
    stack: list[dict[str, Any]] = []
    for span in spans:
        while stack and stack[-1]["ts"] + stack[-1]["dur"] <= span["ts"]:
            stack.pop()
        name = span["name"]
        in_script = any(s["name"] in SCRIPT for s in stack)
        if name in RENDERING and in_script:
            forced += span["dur"] / 1000
            forced_count += 1
        if name in SCRIPT | RENDERING and not any(s["name"] in SCRIPT | RENDERING for s in stack):
            totals[name] = totals.get(name, 0.0) + span["dur"] / 1000
            cpu[name] = cpu.get(name, 0.0) + span.get("tdur", span["dur"]) / 1000
        stack.append(span)
    print(
        "  where the renderer's main thread spent its time during the run"
        f" (ms per change, {changes} changes; wall, then CPU — on a loaded machine the wall is mostly"
        " waiting for a core):"
    )
    for name, total in sorted(totals.items(), key=lambda item: -item[1])[:10]:
        label = "IntersectionObserver" if name == OBSERVER else name
        print(f"    {label:22s} {total / changes:7.2f}  {cpu[name] / changes:7.2f}")
    print(f"    style/layout forced from script (thrashing): {forced_count} times, {forced:.2f} ms in all")


# How chromium is launched for each frame clock. "60hz": as it comes, a frame begins on the display
# compositor's 60 Hz timer, so a change waits 0–16.7 ms for the next tick whatever the page does.
# "unthrottled": no vsync and no frame-rate limit, a frame begins as soon as one is needed, so arrival →
# painted is the page's script plus the work of the frame that shows the change (what "one frame" of
# the target can mean for the page: its work fits in one frame).
CLOCKS = {
    "60hz": [],
    "unthrottled": ["--disable-gpu-vsync", "--disable-frame-rate-limit"],
}
TICK_MS = 1000 / 60


async def _session(
    playwright: Any,
    clock: str,
    session: aiohttp.ClientSession,
    url: str,
    token: str,
    args: argparse.Namespace,
    board_id: str,
    columns: list[str],
    card_ids: list[str],
    offset: int,
) -> dict[str, Any]:
    """One browser with this frame clock on the board: the changes, then the baselines after them."""
    browser = await playwright.chromium.launch(
        executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage", *CLOCKS[clock]]
    )
    try:
        page = await browser.new_page(viewport={"width": 1280, "height": 800})
        await page.add_init_script(ARRIVALS)
        await _open(page, url, board_id)
        shown = await page.locator("[data-card-id]").count()
        before = await page.evaluate("window.dejimaBoard.renders()")

        async def run() -> list[dict[str, float]]:
            return await _changes(page, session, url, token, args, columns, card_ids, offset)

        events: list[dict[str, Any]] = []
        if args.trace:
            baselines, events = await _traced(page, run)
        else:
            baselines = await run()
        await page.wait_for_function(
            "(n) => window.dejimaBoard.timings().filter((t) => t.painted !== null).length >= n",
            arg=args.changes,
        )
        timings: list[dict[str, Any]] = await page.evaluate("window.dejimaBoard.timings()")
        arrivals: dict[str, float] = await page.evaluate("window.dejimaArrivals")
        after = await page.evaluate("window.dejimaBoard.renders()")
        full: list[dict[str, float]] = await page.evaluate(FULL_RENDERS, args.full_renders)
        # The floor: the same smallest change with the board not displayed at all (what a frame of
        # this browser costs on this machine whatever the board does), after the run.
        await page.evaluate("document.querySelector('[data-columns]').style.display = 'none'")
        await asyncio.sleep(1)
        floor = [(await page.evaluate(ONE_BASELINE, i))["smallest"] for i in range(args.changes)]
    finally:
        await browser.close()
    for entry in timings:
        entry["arrival"] = arrivals.get(str(entry["seq"]), entry["arrival"])
    return {
        "clock": clock,
        "shown": shown,
        "timings": timings,
        "baselines": baselines,
        "full": full,
        "floor": floor,
        "renders": {key: after[key] - before[key] for key in after},
        "events": events,
        "load": os.getloadavg()[0],
    }


def _report(result: dict[str, Any], args: argparse.Namespace) -> float:
    """Print one clock's figures; returns the p95 of arrival → painted."""
    timings = result["timings"]
    work = [t["patched"] - t["arrival"] for t in timings]
    wait = [t["frame"] - t["patched"] for t in timings]
    frame = [t["painted"] - t["frame"] for t in timings]
    total = [t["painted"] - t["arrival"] for t in timings]
    idle = [b["idle"] for b in result["baselines"]]
    smallest = [b["smallest"] for b in result["baselines"]]
    clock = result["clock"]
    title = "60 Hz frame clock (chromium as it comes)" if clock == "60hz" else "frame clock unthrottled"
    print(
        f"[{clock}] {title}: {result['shown']} cards in {COLUMNS} columns,"
        f" {len(timings)} remote changes at {args.rate}/s"
    )
    print(
        f"  machine load average (1 min) after this browser: {result['load']:.1f} on {os.cpu_count()} cores"
    )
    print(f"  arrival → DOM patched (the page's script)   {_figures(work)}")
    print(f"  patched → next frame starts (frame clock)    {_figures(wait)}")
    print(f"  that frame: style, layout, paint             {_figures(frame)}")
    print(f"  arrival → that frame done (the total)        {_figures(total)}")
    for event in sorted({t["event"] for t in timings}):
        of_kind = [t["painted"] - t["arrival"] for t in timings if t["event"] == event]
        print(f"    of which {event:18s} ({len(of_kind):3d})   {_figures(of_kind)}")
    own = [w + f for w, f in zip(work, frame, strict=True)]
    print(f"  the page's own cost (script + its frame)     {_figures(own)}")
    if clock == "60hz":
        # The frame that shows the change began (its tick, requestAnimationFrame's argument) less than
        # one tick after the arrival: the change made the first frame after it, no frame was skipped.
        first = [t for t in timings if t["tick"] - t["arrival"] < TICK_MS]
        share = f"{len(first)}/{len(timings)} ({100 * len(first) / len(timings):.0f}%)"
        print(f"  shown in the first frame after arrival       {share}")
        # ... and that frame's main-thread work ended before the next tick (the frame was not late).
        fits = sum(1 for t in first if t["painted"] - t["tick"] <= TICK_MS)
        share = f"{fits}/{len(timings)} ({100 * fits / len(timings):.0f}%)"
        print(f"    and that frame done before the next tick   {share}")
    print("  same-run baselines, interleaved with the changes:")
    print(f"    nothing changed → next frame done          {_figures(idle)}")
    print(f"    smallest change → next frame done          {_figures(smallest)}")
    print(
        f"    full re-render → next frame done (after)   {_figures([b['painted'] for b in result['full']])}"
    )
    print(f"    smallest change, board hidden (after)      {_figures(result['floor'])}")
    print(f"  ratio p95 total / smallest change            {_p95(total) / max(_p95(smallest), 1e-9):.2f}")
    full_p95 = _p95([b["painted"] for b in result["full"]])
    print(f"  ratio p95 total / full re-render             {_p95(total) / max(full_p95, 1e-9):.3f}")
    renders = result["renders"]
    print(
        f"  renders during the changes: full {renders['full']}, patches {renders['patch']},"
        f" card tiles rebuilt {renders['cards']}, card nodes moved {renders['moved']}"
        f" (and moved when a group was split, page idle: {renders.get('regrouped', 0)})"
    )
    if renders["full"]:
        print("  FAIL: a remote change redrew the whole board")
    if result["events"]:
        _where_time_goes(result["events"], len(timings))
    return _p95(total)


async def bench(args: argparse.Namespace) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="dejima-bench-page-"))
    stack = EmbeddedStack(data_dir=data_dir, persistent=True)
    stack.start()
    port = free_port()
    process = _start_instance(stack, port)
    url = f"http://127.0.0.1:{port}"
    clocks = list(CLOCKS) if args.clock == "both" else [args.clock]
    results: list[dict[str, Any]] = []
    try:
        async with aiohttp.ClientSession() as session, async_playwright() as playwright:
            await _wait_ready(session, url)
            token = await _sign_in(session, url)
            board_id, columns, card_ids = await _fill(session, url, token, args.cards)
            for number, clock in enumerate(clocks):
                results.append(
                    await _session(
                        playwright,
                        clock,
                        session,
                        url,
                        token,
                        args,
                        board_id,
                        columns,
                        card_ids,
                        offset=number * args.changes,
                    )
                )
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:  # a loaded machine: do not lose the figures for it
            process.kill()
            process.wait()
        stack.stop()

    p95 = {result["clock"]: _report(result, args) for result in results}
    full_renders = sum(result["renders"]["full"] for result in results)
    print("target: arrival → painted p95 ≤ 16 ms (one frame), and no full re-render on a remote change")
    if "unthrottled" in p95:
        verdict = "met" if p95["unthrottled"] <= 16 else "NOT met on this run"
        print(
            "  judged on the unthrottled clock's arrival → frame done:"
            f" p95 {p95['unthrottled']:.1f} ms, {verdict}"
            " (the page's script plus the frame that shows the change; a 60 Hz clock adds a wait of"
            " 0–16.7 ms for its next tick that no page can shorten, so under it p95 ≥ ~16 ms for any page)"
        )
    if "60hz" in p95:
        print(f"  at 60 Hz, for reference: p95 {p95['60hz']:.1f} ms (see the share shown in the first frame)")
    print(f"  full re-renders on remote changes: {full_renders} ({'met' if not full_renders else 'NOT met'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cards", type=int, default=500)
    parser.add_argument("--changes", type=int, default=60)
    parser.add_argument("--rate", type=float, default=1.0, help="remote changes per second")
    parser.add_argument("--full-renders", type=int, default=15)
    parser.add_argument("--trace", action="store_true", help="record a Chromium trace of the changes")
    parser.add_argument(
        "--clock",
        choices=["both", *CLOCKS],
        default="both",
        help="the frame clock(s) to run the changes under",
    )
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
