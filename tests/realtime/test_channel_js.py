"""hub/web/static/channel.js in a real browser: cookie auth, events once and in order across drops,
snapshot reload when history is gone, presence."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from hub import keys
from hub.app import create_app
from hub.realtime.connection import CLOSE_TOO_SLOW
from hub.settings import Settings
from tests.realtime.conftest import commit_notes, open_boards

# A page like the real ones: sign in (the cookie), then follow a channel through channel.js.
# The page's script is a file of its own: the app's Content-Security-Policy forbids inline scripts.
PAGE = """<!doctype html><html lang="en"><head><title>channel.js</title>
<script type="module" src="/test/page.js"></script></head><body><main></main></body></html>"""

SCRIPT = """
import { connect } from "/static/channel.js";
window.events = []; window.resets = 0; window.presence = {}; window.statuses = [];
window.start = async (email, password, channel, since) => {
  const login = await fetch("/api/auth/login", {method: "POST", headers: {"Content-Type": "application/json"},
                                               body: JSON.stringify({email, password})});
  if (login.status !== 200) throw new Error("login " + login.status);
  const socket = connect();
  socket.onStatus((s) => window.statuses.push(s));
  window.channel = socket.channel(channel, {
    since,
    onEvent: (e) => window.events.push(e.seq),
    onPresence: (members) => { window.presence = members; },
    onReset: async () => {
      window.resets += 1;
      return (await (await fetch("/test/head")).json()).seq;
    },
  });
};
"""


# The channel whose head /test/head answers (the page's "snapshot").
FOLLOWED: dict[str, str] = {}


@pytest.fixture
async def page_client(aiohttp_client: Any, settings: Settings) -> TestClient[Any, Any]:
    app = create_app(settings.model_copy(update={"allowed_origins": []}))  # same origin only

    async def page(request: web.Request) -> web.Response:
        return web.Response(text=PAGE, content_type="text/html")

    async def script(request: web.Request) -> web.Response:
        return web.Response(text=SCRIPT, content_type="text/javascript")

    async def head(request: web.Request) -> web.Response:
        channel = FOLLOWED["channel"]
        return web.json_response({"seq": await request.app[keys.SERVICES].events.head(channel)})

    app.router.add_get("/test/page", page)
    app.router.add_get("/test/page.js", script)
    app.router.add_get("/test/head", head)
    client: TestClient[Any, Any] = await aiohttp_client(app)
    return client


@pytest.fixture
async def browser_page(page_client: TestClient[Any, Any]) -> AsyncIterator[Any]:
    playwright_api = pytest.importorskip("playwright.async_api")
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = await browser.new_page()
        await page.goto(str(page_client.make_url("/test/page")))
        yield page
        await browser.close()


async def wait_for(page: Any, expression: str, within_s: float = 10.0) -> Any:
    """Poll ``expression`` until it is truthy (``wait_for_function`` evaluates with ``eval``, which
    the app's Content-Security-Policy forbids)."""
    for _ in range(int(within_s / 0.05)):
        value = await page.evaluate(expression)
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError(f"still false after {within_s} s: {expression}")


@pytest.mark.browser
async def test_events_survive_drops_and_history_loss(
    page_client: TestClient[Any, Any], browser_page: Any
) -> None:
    app = page_client.app
    services = app[keys.SERVICES]
    await services.identity.users.create(
        email="aiko@dejima.test", name="Aiko", role="member", password="password-aiko-1"
    )
    user = await services.identity.users.by_email("aiko@dejima.test")
    assert user is not None
    channel = f"user:{user['_id']}"
    FOLLOWED["channel"] = channel
    events = services.events
    await commit_notes(events, channel, range(3))  # the page's snapshot reflects these 3

    await browser_page.evaluate(f"window.start('aiko@dejima.test', 'password-aiko-1', '{channel}', 3)")
    await commit_notes(events, channel, range(3, 6))
    assert await wait_for(browser_page, "window.events.length === 3 && window.events") == [4, 5, 6]

    # The server drops the socket; changes happen while the page is away; it comes back with since.
    for conn in list(app[keys.REALTIME].connections):
        conn.close_now(CLOSE_TOO_SLOW, "test")
    await commit_notes(events, channel, range(6, 10))
    assert await wait_for(browser_page, "window.events.length === 7 && window.events") == list(range(4, 11))
    assert "offline" in await browser_page.evaluate("window.statuses")

    # History the page needs is gone: it reloads its snapshot (onReset) and continues after it.
    for conn in list(app[keys.REALTIME].connections):
        conn.close_now(CLOSE_TOO_SLOW, "test")
    await commit_notes(events, channel, range(10, 14))
    await app[keys.DB]["events"].delete_many({"ch": channel, "seq": {"$lte": 12}})
    assert await wait_for(browser_page, "window.resets === 1")
    await commit_notes(events, channel, range(14, 16))
    await wait_for(browser_page, "window.events.at(-1) === 16")
    delivered = await browser_page.evaluate("window.events")
    assert delivered == [*range(4, 11), 15, 16]  # 11..14 are in the reloaded snapshot


@pytest.mark.browser
async def test_presence_reaches_the_page(page_client: TestClient[Any, Any], browser_page: Any) -> None:
    app = page_client.app
    open_boards(app)
    FOLLOWED["channel"] = "board:b1"
    services = app[keys.SERVICES]
    await services.identity.users.create(
        email="kenji@dejima.test", name="Kenji", role="member", password="password-kenji-1"
    )
    await browser_page.evaluate("window.start('kenji@dejima.test', 'password-kenji-1', 'board:b1', null)")
    members = await wait_for(browser_page, "Object.keys(window.presence).length === 1 && window.presence")
    [member] = members.values()
    assert member["name"] == "Kenji"
    await browser_page.evaluate("window.channel.update({editing: 'card-1'})")
    state = await wait_for(
        browser_page,
        "Object.values(window.presence)[0].metas[0].state.editing === 'card-1' && window.presence",
    )
    assert len(next(iter(state.values()))["metas"]) == 1
