"""Browser tests: Debian's chromium driven by Playwright against live servers on real TCP ports.

Every test in ``tests/browser/`` is marked ``browser`` and runs on the session's event loop (done
below, nothing to write in the test), because one chromium serves the whole session and Playwright's
async objects belong to the loop that made them. So these tests must not use the function-loop
fixtures of ``tests/conftest.py`` (``client``, ``make_client``, ``make_user``, ``mongo``, ``redis``):
use ``live_server`` / ``make_live_server`` and ``make_account`` from here instead.

    async def test_something(live_server: LiveServer, page: Page, make_account: AccountFactory) -> None:
        account = await make_account("member")
        await sign_in(page, live_server.url, account.email, account.password)
        await page.goto(live_server.url + "/boards/...")
        await assert_accessible(page)
"""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
import pytest_asyncio
from aiohttp import web
from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Error,
    Locator,
    Page,
    async_playwright,
)
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from hub import keys
from hub.app import create_app
from hub.embedded import free_port
from hub.settings import Settings
from hub.storage import mongo as mongo_storage
from tests.watchdog import bounded

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Playwright's own default is 30 s; a page of ours that takes 10 s to react is a failure anyway.
DEFAULT_TIMEOUT_MS = 10_000
SERIOUS = ("serious", "critical")
_HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.asyncio(loop_scope="session"), append=False)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/setup --test (installs Debian's chromium)")
    return CHROMIUM


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser(chromium_path: str) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@dataclass
class LiveServer:
    app: web.Application
    runner: web.AppRunner
    url: str  # http://127.0.0.1:<port>, no trailing slash

    @property
    def services(self) -> Any:
        return self.app[keys.SERVICES]


LiveServerFactory = Callable[..., Awaitable[LiveServer]]


@pytest_asyncio.fixture(loop_scope="session")
async def make_live_server(settings: Settings) -> AsyncIterator[LiveServerFactory]:
    """Start app instances on free ports, all on this test's database; ``configure(app)`` runs before
    start (e.g. to ``add_page`` a test page)."""
    started: list[LiveServer] = []

    async def factory(*, configure: Callable[[web.Application], None] | None = None) -> LiveServer:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        app_settings = settings.model_copy(
            update={"allowed_origins": [*settings.allowed_origins, url], "public_url": url}
        )
        app = create_app(app_settings)
        if configure is not None:
            configure(app)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        server = LiveServer(app=app, runner=runner, url=url)
        started.append(server)
        return server

    try:
        yield factory
    finally:
        for server in reversed(started):
            await bounded(server.runner.cleanup(), what=f"stopping the app at {server.url}")
        client = mongo_storage.open_client(settings.mongodb_url)
        try:
            await client.drop_database(settings.database_name)
        finally:
            await client.close()


@pytest_asyncio.fixture(loop_scope="session")
async def live_server(make_live_server: LiveServerFactory) -> LiveServer:
    return await make_live_server()


@dataclass(frozen=True)
class BrowserAccount:
    id: str
    email: str
    password: str
    name: str


AccountFactory = Callable[..., Awaitable[BrowserAccount]]


@pytest_asyncio.fixture(loop_scope="session")
async def make_account(live_server: LiveServer) -> AccountFactory:
    """Create a user straight through the service (sign in through the page with ``sign_in``)."""

    async def factory(role: str = "member", **fields: Any) -> BrowserAccount:
        tag = secrets.token_hex(3)
        email = fields.pop("email", f"{role}-{tag}@dejima.test")
        password = fields.pop("password", f"password-{tag}-{role}")
        name = fields.pop("name", f"{role.title()} {tag}")
        user = await live_server.services.identity.users.create(
            email=email, name=name, role=role, password=password, **fields
        )
        return BrowserAccount(id=user.id, email=email, password=password, name=name)

    return factory


@dataclass
class PageProblems:
    """JavaScript errors and CSP refusals seen while the test ran: each fails the test."""

    errors: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        # Chromium logs every 4xx/5xx answer as a console error; the tests assert on those themselves.
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.errors.append(f"console: {message.text}")

    def on_page_error(self, error: Error) -> None:
        self.errors.append(f"page error: {error}")


ContextFactory = Callable[..., Awaitable[BrowserContext]]


@pytest_asyncio.fixture(loop_scope="session")
async def new_context(browser: Browser) -> AsyncIterator[ContextFactory]:
    """Fresh browser profiles (cookies, storage) — two of them are two different people."""
    contexts: list[tuple[BrowserContext, PageProblems]] = []

    async def factory(**options: Any) -> BrowserContext:
        options.setdefault("locale", "ja-JP")
        options.setdefault("viewport", {"width": 1280, "height": 800})
        context = await browser.new_context(**options)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        problems = PageProblems()

        def watch(page: Page) -> None:
            page.on("console", problems.on_console)
            page.on("pageerror", problems.on_page_error)

        context.on("page", watch)
        contexts.append((context, problems))
        return context

    yield factory
    problems_seen = []
    for context, problems in contexts:
        problems_seen.extend(problems.errors)
        await bounded(context.close(), what="closing a browser context")
    if problems_seen:
        pytest.fail("the page reported errors:\n  " + "\n  ".join(problems_seen))


@pytest_asyncio.fixture(loop_scope="session")
async def page(new_context: ContextFactory) -> Page:
    """A page in a fresh Japanese-language profile at 1280×800."""
    context = await new_context()
    return await context.new_page()


async def sign_in(page: Page, base_url: str, email: str, password: str) -> None:
    """Sign in through the login form, in whatever language the page is in."""
    await page.goto(base_url + "/login")
    await page.fill("#login-email", email)
    await page.fill("#login-password", password)
    await page.click("#login-form button[type=submit]")
    await page.wait_for_url(lambda url: "/login" not in url)


async def assert_accessible(page: Page) -> None:
    """axe-core over the page as it is now; fails on any serious or critical violation."""
    loaded = await page.evaluate("() => typeof window.axe !== 'undefined'")
    if not loaded:
        # A same-origin script tag: allowed by our CSP, unlike an inline one.
        await page.add_script_tag(url=urljoin(page.url, "/static/vendor/axe.min.js"))
    violations: list[dict[str, Any]] = await page.evaluate(
        """async () => {
            const results = await axe.run(document, { resultTypes: ["violations"] });
            return results.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map((n) => ({ target: n.target, summary: n.failureSummary })),
            }));
        }"""
    )
    serious = [v for v in violations if v["impact"] in SERIOUS]
    if serious:
        lines = [f"axe-core found {len(serious)} serious/critical violation(s) on {page.url}:"]
        for violation in serious:
            lines.append(f"- [{violation['impact']}] {violation['id']}: {violation['help']}")
            for node in violation["nodes"][:5]:
                lines.append(f"    at {json.dumps(node['target'])}: {node['summary']}")
        pytest.fail("\n".join(lines))


async def has_horizontal_scroll(page: Page) -> bool:
    result: bool = await page.evaluate(
        "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )
    return result


# Chromium now and then opens a file chooser without telling the automation (Page.fileChooserOpened
# never comes; flaky in Playwright's own tests, microsoft/playwright#28023). Seen twice in one CI run
# of this suite, never alone: a chooser not reported within this long is asked for again.
FILE_CHOOSER_WAIT_MS = 10_000
FILE_CHOOSER_TRIES = 3


async def choose_files(page: Page, field: Locator, files: Any) -> None:
    """Pick ``files`` as a person does by keyboard: focus the file field, press Space, choose."""
    for attempt in range(1, FILE_CHOOSER_TRIES + 1):
        await field.focus()
        try:
            async with page.expect_file_chooser(timeout=FILE_CHOOSER_WAIT_MS) as chooser:
                await page.keyboard.press("Space")
            await (await chooser.value).set_files(files)
            return
        except PlaywrightTimeoutError:
            if attempt == FILE_CHOOSER_TRIES:
                raise
