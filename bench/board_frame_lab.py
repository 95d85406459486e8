"""What a frame of the 500-card board page costs chromium under CSS variants, measured on one page so
the variants take turns on the same machine (a shared 2-core machine moves wall times by 2-5x within
minutes; the main thread's CPU time per frame moves far less).

    .venv/bin/python bench/board_frame_lab.py [--rounds 3] [--variants variants.json]

One ``dejima serve`` and a board of 500 cards in 5 columns (bench/board_page.py's setup), one chromium
page with the page's CSP bypassed so that a ``<style>`` can be swapped in. Per round and variant, three
kinds of change made in the page itself, each traced apart: ``text`` (one line outside the board, the
smallest visible change), ``title`` (one card's title text) and ``move`` (a card node moved to the
top part of the next column, as a remote move does after the patch). Printed: per change, the renderer
main thread's CPU time in the frame's phases (the chromium trace's thread time), and the median wall
time from the change to after that frame, for orientation only. ``base`` (no extra CSS) and ``hidden``
(the board not displayed: the floor) are always measured.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import aiohttp
from playwright.async_api import Page, async_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from board_page import CHROMIUM, OBSERVER, _fill, _open, _traced  # noqa: E402
from boards import _sign_in, _start_instance, _wait_ready  # noqa: E402

from hub.embedded import EmbeddedStack, free_port  # noqa: E402

KINDS = ("text", "title", "move")
PHASES = ("UpdateLayoutTree", "Layout", OBSERVER, "PrePaint", "Paint", "Layerize", "Commit")
# Variants measured when no file is given: what was tried on 2026-11-29 (docs/boards.md).
DEFAULT_VARIANTS = {
    "no content-visibility": ".board-card { content-visibility: visible !important; }",
    "no card icons": ".board-card .icon { display: none !important; }",
    "no content-visibility, no card icons": (
        ".board-card { content-visibility: visible !important; }"
        " .board-card .icon { display: none !important; }"
    ),
    "columns as layers": ".board-column { will-change: transform !important; }",
}

# One change of a kind, timed like bench/board_page.py's (from the change to after the next frame).
STEP = """async ([i, kind]) => {
  const afterFrame = () => new Promise((resolve) => requestAnimationFrame(() => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve(performance.now());
    channel.port2.postMessage(null);
  }));
  const start = performance.now();
  if (kind === "text") {
    const node = document.querySelector("[data-live-state]");
    node.textContent = node.textContent.endsWith(" ") ? node.textContent.trim() : `${node.textContent} `;
  } else if (kind === "title") {
    const cards = document.querySelectorAll("[data-card-id]");
    cards[(i * 7) % 40].querySelector(".board-card__title").textContent = `変更 ${i}`;
  } else {
    // Cards are in groups inside a column's list (board_view.js): the card goes before another one.
    const lists = document.querySelectorAll(".board-cards");
    const card = lists[i % lists.length].querySelectorAll(".board-card")[(i * 3) % 20];
    const before = lists[(i + 1) % lists.length].querySelectorAll(".board-card")[(i * 5) % 20];
    before.parentNode.insertBefore(card, before);
  }
  return (await afterFrame()) - start;
}"""


def _main_thread_cpu(events: list[dict[str, Any]]) -> dict[str, float]:
    """CPU ms of the busiest renderer main thread in each frame phase (children of top-level tasks)."""
    mains = {
        (e["pid"], e["tid"])
        for e in events
        if e.get("ph") == "M" and e.get("name") == "thread_name" and e["args"].get("name") == "CrRendererMain"
    }
    busiest = max(mains, key=lambda k: sum(1 for e in events if (e["pid"], e["tid"]) == k))
    spans = sorted(
        (e for e in events if e.get("ph") == "X" and (e["pid"], e["tid"]) == busiest and "dur" in e),
        key=lambda e: (e["ts"], -e["dur"]),
    )
    totals: dict[str, float] = defaultdict(float)
    task_end = -1.0
    for span in spans:
        if span["ts"] >= task_end:  # a new top-level task
            task_end = span["ts"] + span["dur"]
        elif span["name"] in PHASES:
            totals[span["name"]] += span.get("tdur", span["dur"]) / 1000
    return totals


async def _measure(page: Page, variants: dict[str, str], *, rounds: int, per_kind: int) -> dict[str, Any]:
    results: dict[str, dict[str, list[float]]] = {name: defaultdict(list) for name in variants}
    await page.evaluate(
        "() => { const s = document.createElement('style'); s.id = 'lab'; document.head.append(s); }"
    )
    for round_index in range(rounds):
        for name, css in variants.items():
            await page.evaluate("(css) => { document.getElementById('lab').textContent = css; }", css)
            await asyncio.sleep(0.4)  # the variant's first, full frame is not measured
            for kind in KINDS:

                async def run(kind: str = kind, name: str = name, first: int = round_index * 100) -> None:
                    for i in range(per_kind):
                        await asyncio.sleep(0.05 + random.random() * 0.03)
                        wall = await page.evaluate(STEP, [first + i, kind])
                        results[name][f"{kind} wall"].append(wall)

                _, events = await _traced(page, run)
                phases = _main_thread_cpu(events)
                results[name][kind].append(sum(phases.values()) / per_kind)
                for phase, total in phases.items():
                    results[name][f"{kind} {phase}"].append(total / per_kind)
    return results


async def bench(args: argparse.Namespace, extra: dict[str, str]) -> None:
    variants = {"base": "", "hidden": "[data-columns] { display: none !important; }", **extra}
    stack = EmbeddedStack(data_dir=Path(tempfile.mkdtemp(prefix="dejima-bench-lab-")), persistent=True)
    stack.start()
    port = free_port()
    process = _start_instance(stack, port)
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session, async_playwright() as playwright:
            await _wait_ready(session, url)
            token = await _sign_in(session, url)
            board_id, _, _ = await _fill(session, url, token, args.cards)
            browser = await playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
            )
            page = await browser.new_page(viewport={"width": 1280, "height": 800}, bypass_csp=True)
            await _open(page, url, board_id)
            results = await _measure(page, variants, rounds=args.rounds, per_kind=args.per_kind)
            await browser.close()
    finally:
        process.terminate()
        process.wait()
        stack.stop()
    print(f"board page, {args.cards} cards; main-thread CPU ms per change (mean of {args.rounds} rounds)")
    short = {OBSERVER: "IntersectionObserver", "UpdateLayoutTree": "Style"}
    for name, values in results.items():
        summary = "  ".join(
            f"{kind} {statistics.mean(values[kind]):5.2f}"
            f" (wall p50 {statistics.median(values[kind + ' wall']):5.1f})"
            for kind in KINDS
        )
        print(f"  {name:38s} {summary}")
        phases = " ".join(
            f"{short.get(phase, phase)} {statistics.mean(values[f'move {phase}']):.1f}"
            for phase in PHASES
            if values.get(f"move {phase}")
        )
        print(f"  {'':38s} move: {phases}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cards", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--per-kind", type=int, default=10, help="changes of each kind per round")
    parser.add_argument("--variants", help="a JSON file {name: css}; default: the variants tried so far")
    args = parser.parse_args()
    extra = json.loads(Path(args.variants).read_text()) if args.variants else DEFAULT_VARIANTS
    asyncio.run(bench(args, extra))


if __name__ == "__main__":
    main()
