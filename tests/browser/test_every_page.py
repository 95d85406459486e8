"""Every page people use (the board page has its own tests) at a 360 px phone and at 200% zoom, in
Japanese and English: no sideways scroll, a compact phone header, axe clean."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.browser.conftest import (
    AccountFactory,
    ContextFactory,
    LiveServer,
    assert_accessible,
    sign_in,
)
from tests.browser.test_wall import api_token, post

PHONE = {"width": 360, "height": 740}
# 200% zoom of a 1280 × 800 window: the page lays out in 640 × 400 CSS pixels.
ZOOMED = {"width": 640, "height": 400}


async def sideways(page: Page, width: int) -> bool:
    """Wider than the viewport we set (an emulated phone widens innerWidth to the content)."""
    scroll_width: int = await page.evaluate("() => document.documentElement.scrollWidth")
    return scroll_width > width


async def test_the_phone_header_is_compact_and_says_notifications_once(
    live_server: LiveServer, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    admin = await make_account("admin", name="とても長い名前の管理者さん")
    for locale in ("ja-JP", "en-US"):
        page = await (await new_context(locale=locale, viewport=PHONE)).new_page()
        await sign_in(page, live_server.url, admin.email, admin.password)
        await page.goto(f"{live_server.url}/locale/{locale[:2]}?next=/projects")
        header = await page.locator(".site-header").bounding_box()
        assert header is not None and header["height"] <= 100, (locale, header)
        notifications = "通知" if locale == "ja-JP" else "Notifications"
        await expect(page.get_by_role("banner").get_by_role("link", name=notifications)).to_have_count(1)
        # The menu is one tap away and holds every page, admin pages included.
        menu = page.get_by_role("button", name="メニュー" if locale == "ja-JP" else "Menu")
        await expect(menu).to_have_attribute("aria-expanded", "false")
        await menu.click()
        await expect(menu).to_have_attribute("aria-expanded", "true")
        nav = page.get_by_role("navigation")
        await expect(
            nav.get_by_role("link", name="拠点の管理" if locale == "ja-JP" else "Hub settings")
        ).to_be_visible()
        assert not await sideways(page, PHONE["width"])
        await assert_accessible(page)


async def test_every_page_fits_a_phone_and_200_percent_zoom_in_both_languages(
    live_server: LiveServer, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    admin = await make_account("admin", name="磐梯町 DX 推進室 とても長い名前の管理者")
    kiosk = await make_account("kiosk", hub_id="bandai")
    token = await api_token(live_server.url, admin.email, admin.password)
    project = await post(
        live_server.url,
        "/api/projects",
        token,
        {"title": "とても長い名前の観光DXプロジェクト" * 2, "visibility": "public"},
    )
    notice = await post(
        live_server.url,
        "/api/announcements",
        token,
        {"title": "除雪のお知らせ", "body": "明朝 6 時から除雪車が入ります。" * 5, "audience": {"all": True}},
    )
    signed_in = [
        "/",
        "/projects",
        f"/projects/{project['id']}",
        "/join-requests",
        "/wall",
        "/announcements",
        "/announcements/new",
        f"/announcements/{notice['id']}/acks",
        "/notifications",
        "/preferences",
        "/webhooks",
        "/admin/users",
        "/admin/orgs",
        "/admin/hubs",
    ]
    signed_out = ["/", "/login", "/forgot-password", "/set-password?token=x", "/no/such/page"]
    for viewport in (PHONE, ZOOMED):
        for locale in ("ja", "en"):
            context = await new_context(viewport=viewport)
            anonymous = await context.new_page()
            await anonymous.goto(f"{live_server.url}/locale/{locale}?next=/")
            for path in signed_out:
                await anonymous.goto(live_server.url + path)
                await expect(anonymous.locator("html")).to_have_attribute("lang", locale)
                assert not await sideways(anonymous, viewport["width"]), (viewport, locale, path)
                if viewport is PHONE:
                    await assert_accessible(anonymous)
            page = await (await new_context(viewport=viewport)).new_page()
            await sign_in(page, live_server.url, admin.email, admin.password)
            await page.goto(f"{live_server.url}/locale/{locale}?next=/")
            for path in signed_in:
                await page.goto(live_server.url + path)
                await page.wait_for_function("() => !document.querySelector('[aria-busy=true]')")
                assert not await sideways(page, viewport["width"]), (viewport, locale, path)
                if viewport is PHONE:
                    await assert_accessible(page)
            screen = await (await new_context(viewport=viewport)).new_page()
            await sign_in(screen, live_server.url, kiosk.email, kiosk.password)
            await screen.goto(f"{live_server.url}/locale/{locale}?next=/kiosk/bandai")
            await expect(screen.locator("#kiosk-hub")).not_to_be_empty()
            assert not await sideways(screen, viewport["width"]), (viewport, locale, "/kiosk/bandai")
