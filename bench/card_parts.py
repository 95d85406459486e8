"""The figures of issue 15 for bench/boards.py (``--only attachments`` or ``--only card-page``).

- **attachments**: a 20 MiB file uploaded to and downloaded from the hub, next to PyMongo's own
  ``AsyncGridFSBucket`` writing and reading the same bytes on the same server in the same run (the
  baseline); and how much the hub's resident memory grows while it streams them (its peak RSS from
  /proc, ``_Peak``), next to the GridFS chunk size.
- **card-page**: the board page with 500 cards, each with a checklist and an attachment, in Debian's
  chromium: navigation start → the frame that shows every card painted, next to a page that fetches
  the same snapshot JSON and renders each card as a plain list item (the baseline), alternated.
"""

from __future__ import annotations

import asyncio
import io
import os
import statistics
import time
from pathlib import Path
from typing import Any

import aiohttp
from gridfs.asynchronous.grid_file import AsyncGridFSBucket
from pymongo import AsyncMongoClient

MiB = 1024 * 1024
CHUNK = 255 * 1024
CHROMIUM = "/usr/bin/chromium"
QUIET_BETWEEN_LOADS_S = 1.0


def _status(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field}")


def _reset_high_water(pid: int) -> bool:
    """Set the kernel's peak RSS of ``pid`` (VmHWM) to its current RSS; False where not allowed."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


class _Peak:
    """The highest RSS of a process while a block runs. The kernel's own high-water mark (VmHWM),
    reset on entry, sees every page touched, however briefly; where the reset is not allowed, RSS is
    sampled every 2 ms instead, which can miss a peak shorter than that."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.before = 0
        self.peak = 0
        self.exact = False
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> _Peak:
        self.exact = _reset_high_water(self.pid)
        self.before = self.peak = _status(self.pid, "VmRSS")
        if not self.exact:
            self._task = asyncio.create_task(self._sample())
        return self

    async def _sample(self) -> None:
        while True:
            self.peak = max(self.peak, _status(self.pid, "VmRSS"))
            await asyncio.sleep(0.002)

    async def __aexit__(self, *_: object) -> None:
        if self._task is not None:
            self._task.cancel()
        self.peak = max(self.peak, _status(self.pid, "VmHWM" if self.exact else "VmRSS"))

    @property
    def growth(self) -> int:
        return self.peak - self.before


async def _json(response: aiohttp.ClientResponse) -> Any:
    data = await response.json()
    if response.status >= 300:
        raise RuntimeError(f"{response.method} {response.url}: {response.status} {data}")
    return data


async def _upload(session: aiohttp.ClientSession, url: str, token: str, card_id: str, data: bytes) -> Any:
    form = aiohttp.FormData()
    form.add_field("file", io.BytesIO(data), filename="scan.bin", content_type="application/octet-stream")
    async with session.post(
        f"{url}/api/cards/{card_id}/attachments", data=form, headers={"Authorization": f"Bearer {token}"}
    ) as response:
        return await _json(response)


async def _download(session: aiohttp.ClientSession, url: str, token: str, attachment_id: str) -> int:
    total = 0
    async with session.get(
        f"{url}/api/attachments/{attachment_id}", headers={"Authorization": f"Bearer {token}"}
    ) as response:
        async for piece in response.content.iter_chunked(CHUNK):
            total += len(piece)
    return total


async def attachments_section(
    session: aiohttp.ClientSession,
    url: str,
    token: str,
    card_id: str,
    *,
    mongodb_url: str,
    hub_pid: int,
    size_mib: int = 20,
    rounds: int = 3,
) -> None:
    data = os.urandom(size_mib * MiB)
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongodb_url)
    raw_up: list[float] = []
    raw_down: list[float] = []
    hub_up: list[float] = []
    hub_down: list[float] = []
    up_growth: list[int] = []
    down_growth: list[int] = []
    exact = True
    try:
        bucket = AsyncGridFSBucket(client["dejima_bench_raw"], chunk_size_bytes=CHUNK)
        # Warm-up of both paths (connections, the allocator's arenas), not counted.
        warm = await _upload(session, url, token, card_id, data)
        await _download(session, url, token, warm["id"])
        await bucket.upload_from_stream("warm", data[: 2 * MiB])
        for _ in range(rounds):
            started = time.perf_counter()
            file_id = await bucket.upload_from_stream("raw.bin", data)
            raw_up.append(time.perf_counter() - started)
            started = time.perf_counter()
            read = await (await bucket.open_download_stream(file_id)).read()
            raw_down.append(time.perf_counter() - started)
            assert read == data
            del read
            await bucket.delete(file_id)

            async with _Peak(hub_pid) as peak:
                started = time.perf_counter()
                attachment = await _upload(session, url, token, card_id, data)
                hub_up.append(time.perf_counter() - started)
            up_growth.append(peak.growth)
            exact = exact and peak.exact
            async with _Peak(hub_pid) as peak:
                started = time.perf_counter()
                assert await _download(session, url, token, attachment["id"]) == len(data)
                hub_down.append(time.perf_counter() - started)
            down_growth.append(peak.growth)
            exact = exact and peak.exact
            async with session.delete(
                f"{url}/api/attachments/{attachment['id']}", headers={"Authorization": f"Bearer {token}"}
            ) as response:
                assert response.status == 204
    finally:
        await client.drop_database("dejima_bench_raw")
        await client.close()

    def rate(seconds: list[float]) -> float:
        return size_mib / statistics.median(seconds)

    up, down, raw_u, raw_d = rate(hub_up), rate(hub_down), rate(raw_up), rate(raw_down)
    verdict = {True: "met", False: "NOT met"}
    limit = 2 * CHUNK
    worst_up, worst_down = max(up_growth), max(down_growth)
    print(f"attachments: {size_mib} MiB, median of {rounds} rounds, same nx-27017 server")
    print(f"  raw AsyncGridFSBucket upload    {raw_u:7.1f} MiB/s   (baseline)")
    print(f"  hub POST multipart upload       {up:7.1f} MiB/s   ratio {up / raw_u:.2f}")
    print(f"  raw AsyncGridFSBucket download  {raw_d:7.1f} MiB/s   (baseline)")
    print(f"  hub GET streamed download       {down:7.1f} MiB/s   ratio {down / raw_d:.2f}")
    each_up = ", ".join(f"{g // 1024}" for g in up_growth)
    each_down = ", ".join(f"{g // 1024}" for g in down_growth)
    how = "peak RSS (VmHWM) minus RSS before" if exact else "RSS sampled every 2 ms, peak minus before"
    print(f"  hub RSS growth: {how}")
    print(f"  hub RSS growth while uploading  {worst_up / 1024:7.0f} KiB (worst; each round: {each_up})")
    print(f"  hub RSS growth while streaming  {worst_down / 1024:7.0f} KiB (worst; each round: {each_down})")
    print(f"  target ≥ 50% of raw: upload {verdict[up >= raw_u / 2]}, download {verdict[down >= raw_d / 2]}")
    print(
        f"  target RSS growth < 2 × chunk ({limit // 1024} KiB): {verdict[max(worst_up, worst_down) < limit]}"
    )


# --- the board page -------------------------------------------------------------------------------

# Runs in both pages from navigation on: once `count` cards are in the DOM, the next painted frame's
# time (ms since navigation start) is kept in window.__cardsPainted.
_WATCH = """(() => {
  const count = %d;
  const seen = () => document.querySelectorAll("[data-card-id]").length >= count;
  const done = () => requestAnimationFrame(() => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => { window.__cardsPainted = performance.now(); };
    channel.port2.postMessage(null);
  });
  const observer = new MutationObserver(() => {
    if (seen()) { observer.disconnect(); done(); }
  });
  document.addEventListener("DOMContentLoaded", () => {
    if (seen()) done(); else observer.observe(document.body, { childList: true, subtree: true });
  });
})();"""

# The baseline: the same snapshot, each card a plain <li> with its title.
_PLAIN = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>plain</title></head>
<body><ul id="cards"></ul><script>
fetch("/api/boards/%s", { credentials: "same-origin" }).then((r) => r.json()).then((board) => {
  const list = document.getElementById("cards");
  for (const column of board.columns) for (const card of column.cards) {
    const item = document.createElement("li");
    item.setAttribute("data-card-id", card.id);
    item.textContent = card.title;
    list.append(item);
  }
});
</script></body></html>"""


async def fill_parts(
    session: aiohttp.ClientSession, url: str, token: str, board_id: str, columns: list[str], cards: int
) -> None:
    """``cards`` cards, each with a checklist of three items (one ticked) and one attachment."""
    headers = {"Authorization": f"Bearer {token}"}
    queue = iter(range(cards))

    async def writer() -> None:
        for index in queue:
            body = {"column_id": columns[index % len(columns)], "title": f"カード {index} 地域防災訓練の準備"}
            async with session.post(f"{url}/api/boards/{board_id}/cards", json=body, headers=headers) as r:
                card = await _json(r)
            first = None
            for text in ("書類を集める", "回覧を作る", "会場を予約する"):
                async with session.post(
                    f"{url}/api/cards/{card['id']}/checklist", json={"text": text}, headers=headers
                ) as r:
                    item = await _json(r)
                    first = first or item
            assert first is not None
            async with session.patch(
                f"{url}/api/checklist-items/{first['id']}", json={"done": True}, headers=headers
            ) as r:
                await _json(r)
            await _upload(session, url, token, card["id"], b"%PDF-1.4 minutes " * 64)

    await asyncio.gather(*(writer() for _ in range(4)))


def _spread(values: list[float]) -> str:
    quartiles = statistics.quantiles(values, n=4)
    return f"quartiles {quartiles[0]:.0f}–{quartiles[2]:.0f}, all {min(values):.0f}–{max(values):.0f}"


async def card_page_section(url: str, board_id: str, cards: int, *, sign_in: Any, rounds: int = 11) -> None:
    from playwright.async_api import async_playwright

    board: list[float] = []
    plain: list[float] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        # Each page in its own browser context (both signed in): the baseline is served by a
        # Playwright route, and routing turns the HTTP cache off in its context. With one context the
        # board page fetched all its modules and styles again at every load, which no person's
        # browser does (measured: ~50 ms more per load, the cache-warming first round wasted).
        pages = []
        for routed in (False, True):
            context = await browser.new_context(viewport={"width": 1280, "height": 800})
            page = await context.new_page()
            await sign_in(page)
            await context.add_init_script(_WATCH % cards)
            if routed:
                await context.route(
                    f"{url}/bench-plain",
                    lambda route: route.fulfill(status=200, content_type="text/html", body=_PLAIN % board_id),
                )
            pages.append(page)
        targets = ((f"{url}/boards/{board_id}", pages[0], board), (f"{url}/bench-plain", pages[1], plain))
        for index in range(rounds + 1):  # the first round of each warms the caches, not counted
            for target, page, out in targets:
                await page.goto(target)
                # Polled from here: wait_for_function evaluates a string, which the page's CSP forbids.
                painted = None
                for _ in range(1200):
                    painted = await page.evaluate("() => window.__cardsPainted")
                    if painted is not None:
                        break
                    await asyncio.sleep(0.05)
                if painted is None:
                    raise RuntimeError(f"{target}: the cards were not painted within a minute")
                if index:
                    out.append(painted)
                # What a page does after its first paint (the board's WebSocket, its rights, the hubs)
                # must not land in the next page's measure: each load starts on a quiet hub.
                await asyncio.sleep(QUIET_BETWEEN_LOADS_S)
        await browser.close()
    ratio = statistics.median(board) / statistics.median(plain)
    print(f"board page, {cards} cards each with a checklist and an attachment, median of {rounds} loads")
    rows = (("board page: navigation → all cards painted", board), ("baseline: plain list items", plain))
    for name, values in rows:
        print(f"  {name:44} {statistics.median(values):7.0f} ms   ({_spread(values)})")
    print(f"  ratio {ratio:.2f}   target ≤ 1.5: {'met' if ratio <= 1.5 else 'NOT met'}")
