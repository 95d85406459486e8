"""The web shell in a real browser: sign-in in both languages, keyboard use, axe-core, small phones."""

from __future__ import annotations

from aiohttp import web
from playwright.async_api import Page, expect

from hub.web.shell import add_page
from tests.browser.conftest import (
    AccountFactory,
    ContextFactory,
    LiveServer,
    LiveServerFactory,
    assert_accessible,
    has_horizontal_scroll,
    sign_in,
)


async def _tab_to(page: Page, selector: str, *, limit: int = 30) -> None:
    """Press Tab until ``selector`` has the focus, as a keyboard user would."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        if await page.evaluate("(s) => document.activeElement?.matches(s) ?? false", selector):
            return
    raise AssertionError(f"{selector} never got the focus by Tab")


async def test_sign_in_in_japanese(live_server: LiveServer, page: Page, make_account: AccountFactory) -> None:
    account = await make_account("member", name="佐藤 淳一")
    await page.goto(live_server.url + "/")
    await expect(page.locator("html")).to_have_attribute("lang", "ja")
    await page.get_by_role("main").get_by_role("link", name="ログイン").click()

    await page.get_by_label("メールアドレス").fill(account.email)
    await page.get_by_label("パスワード").fill("wrong password")
    await page.get_by_role("button", name="ログイン").click()
    await expect(page.get_by_role("alert")).to_have_text("メールアドレスまたはパスワードが違います。")
    await expect(page.get_by_label("パスワード")).to_be_focused()

    await page.get_by_label("パスワード").fill(account.password)
    await page.get_by_label("パスワード").press("Enter")
    await page.wait_for_url(live_server.url + "/")
    await expect(page.locator("header [data-user-name]")).to_have_text("佐藤 淳一")
    await expect(page.get_by_role("button", name="ログアウト")).to_be_visible()


async def test_switch_to_english_by_keyboard_and_sign_in(
    live_server: LiveServer, page: Page, make_account: AccountFactory
) -> None:
    account = await make_account("partner", name="Ken Tanaka")
    await page.goto(live_server.url + "/login")
    await _tab_to(page, "a[data-locale=en]")
    await page.keyboard.press("Enter")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    await expect(page.get_by_role("status")).to_have_text("The language is now English.")
    assert await page.evaluate("localStorage.getItem('dejima_locale')") == "en"
    assert await page.title() == "Sign in — Dejima"

    await page.get_by_label("E-mail address").fill(account.email)
    await page.get_by_label("Password").fill(account.password)
    await page.get_by_label("Password").press("Enter")
    await page.wait_for_url(live_server.url + "/")
    # The choice is in the cookie: the server sends the next page in English from the first byte.
    await page.reload()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    await expect(page.locator("main [data-user-name]")).to_have_text("Ken Tanaka")


async def test_sign_out_from_the_header(
    live_server: LiveServer, page: Page, make_account: AccountFactory
) -> None:
    account = await make_account("member")
    await sign_in(page, live_server.url, account.email, account.password)
    await page.get_by_role("button", name="ログアウト").click()
    await page.wait_for_url(live_server.url + "/")
    await expect(page.get_by_role("banner").get_by_role("link", name="ログイン")).to_be_visible()


async def test_a_page_that_needs_sign_in_comes_back_after_it(
    make_live_server: LiveServerFactory, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    def configure(app: web.Application) -> None:
        add_page(app, path="/private", name="home", title_key="shell.home", nav=True)

    server = await make_live_server(configure=configure)
    account = await make_account("member")
    page = await (await new_context()).new_page()
    await page.goto(server.url + "/private?tab=2")
    await page.wait_for_url(f"{server.url}/login?next=/private?tab%3D2")
    await page.get_by_label("メールアドレス").fill(account.email)
    await page.get_by_label("パスワード").fill(account.password)
    await page.get_by_role("button", name="ログイン").click()
    await page.wait_for_url(server.url + "/private?tab=2")
    # The menu now links the page; the current one is marked for screen readers.
    await expect(page.get_by_role("navigation").get_by_role("link", name="ホーム")).to_have_attribute(
        "aria-current", "page"
    )


async def test_login_never_sends_the_reader_to_another_site(
    live_server: LiveServer, page: Page, make_account: AccountFactory
) -> None:
    account = await make_account("member")
    await page.goto(live_server.url + "/login?next=//example.com/phish")
    await page.fill("#login-email", account.email)
    await page.fill("#login-password", account.password)
    await page.click("#login-form button[type=submit]")
    await page.wait_for_url(live_server.url + "/")


async def test_skip_link_is_first_and_moves_focus_to_main(live_server: LiveServer, page: Page) -> None:
    await page.goto(live_server.url + "/")
    await page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="本文へ移動")
    await expect(skip).to_be_focused()
    await expect(skip).to_be_in_viewport()
    await page.keyboard.press("Enter")
    await expect(page.locator("main")).to_be_focused()


async def test_axe_finds_nothing_serious(
    live_server: LiveServer, page: Page, make_account: AccountFactory
) -> None:
    for path in ("/", "/login", "/no/such/page"):
        response = await page.goto(live_server.url + path)
        assert response is not None
        assert response.status == (404 if path.startswith("/no/") else 200)
        await assert_accessible(page)
    # The error state of the form too.
    await page.goto(live_server.url + "/login")
    await page.click("#login-form button[type=submit]")
    await expect(page.get_by_role("alert")).to_have_text("メールアドレスとパスワードを入力してください。")
    await assert_accessible(page)

    account = await make_account("admin")
    await sign_in(page, live_server.url, account.email, account.password)
    await assert_accessible(page)
    await page.goto(live_server.url + "/no/such/page")
    await expect(page.get_by_role("heading", level=1)).to_have_text("ページが見つかりません")
    await assert_accessible(page)


async def test_a_360px_phone_never_scrolls_sideways(
    live_server: LiveServer, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    account = await make_account("member", name="とても長い名前の利用者さん" * 3)
    for locale in ("ja-JP", "en-US"):
        page = await (await new_context(locale=locale, viewport={"width": 360, "height": 740})).new_page()
        for path in ("/", "/login", "/no/such/page"):
            await page.goto(live_server.url + path)
            assert not await has_horizontal_scroll(page), f"{locale} {path}"
        await sign_in(page, live_server.url, account.email, account.password)
        await expect(page.locator("main [data-user-name]")).not_to_be_empty()
        assert not await has_horizontal_scroll(page), f"{locale} / signed in"


async def test_controls_are_at_least_44px(live_server: LiveServer, page: Page) -> None:
    await page.goto(live_server.url + "/login")
    controls = page.locator("header a, header button, main a, main button, main input")
    count = await controls.count()
    assert count >= 5
    for index in range(count):
        control = controls.nth(index)
        if not await control.is_visible():
            continue
        box = await control.bounding_box()
        assert box is not None
        label = await control.evaluate("(e) => e.outerHTML.slice(0, 80)")
        assert box["height"] >= 44 and box["width"] >= 44, f"{label}: {box}"
