"""The public archive in a real browser, signed out, by keyboard only: a notice with furigana and
larger text (both remembered), in Japanese and English, axe clean, no sideways scroll at 360 px."""

from __future__ import annotations

from playwright.async_api import Locator, Page, expect

from tests.browser.conftest import (
    AccountFactory,
    ContextFactory,
    LiveServer,
    assert_accessible,
    has_horizontal_scroll,
    sign_in,
)
from tests.browser.test_wall import api_token, post

PHONE = {"width": 360, "height": 740}


async def tab_to(page: Page, target: Locator, *, presses: int = 40) -> None:
    """Press Tab until ``target`` has the focus (keyboard only: no clicks)."""
    handle = await target.element_handle()
    for _ in range(presses):
        await page.keyboard.press("Tab")
        if await page.evaluate("(el) => document.activeElement === el", handle):
            return
    raise AssertionError(f"could not reach {target} by Tab")


async def font_px(target: Locator) -> float:
    return float(await target.evaluate("(el) => parseFloat(getComputedStyle(el).fontSize)"))


async def test_a_notice_with_furigana_and_larger_text_by_keyboard_in_both_languages(
    live_server: LiveServer, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    admin = await make_account("admin")
    token = await api_token(live_server.url, admin.email, admin.password)
    notice = await post(
        live_server.url,
        "/api/announcements",
        token,
        {
            "title": "防災訓練のお知らせ",
            "body": "来週、避難訓練を行います。<b>体育館</b>に集まってください。",
            "audience": {"residents": True},
            "public": True,
        },
    )
    await post(
        live_server.url,
        "/api/announcements",
        token,
        {"title": "内部", "body": "x", "audience": {"all": True}},
    )
    page = await (await new_context(viewport=PHONE)).new_page()
    await page.goto(f"{live_server.url}/locale/ja?next=/news")
    await expect(page.locator("#news-list")).to_have_attribute("aria-busy", "false")
    await expect(page.locator("#news-list li")).to_have_count(1)  # only the public one
    assert not await has_horizontal_scroll(page)
    await assert_accessible(page)

    await tab_to(page, page.get_by_role("link", name="防災訓練のお知らせ"))
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"**/news/{notice['id']}")
    article = page.locator("#news-item")
    await expect(article).to_have_attribute("aria-busy", "false")
    body = article.locator("p.text-block")
    await expect(body).to_contain_text("<b>体育館</b>")  # text, never markup
    normal = await font_px(body)

    await tab_to(page, page.get_by_role("button", name="文字 大", exact=True))
    await page.keyboard.press("Enter")
    await expect(page.locator("html")).to_have_attribute("data-text-size", "large")
    assert await font_px(body) > normal * 1.2
    await tab_to(page, page.get_by_role("button", name="ふりがな"))
    await page.keyboard.press("Enter")
    await expect(article.locator("h1 ruby").first).to_be_visible()
    await expect(article.locator("h1 rt").first).to_have_text("ぼうさい")
    assert (
        await article.locator("h1").evaluate("(el) => el.textContent")
        == "防災ぼうさい訓練くんれんのお知しらせ"
    )
    await expect(page.get_by_role("button", name="ふりがな")).to_have_attribute("aria-pressed", "true")
    assert not await has_horizontal_scroll(page)
    await assert_accessible(page)

    # Remembered: after a reload, and in English too.
    await page.goto(f"{live_server.url}/locale/en?next=/news/{notice['id']}")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.locator("html")).to_have_attribute("data-text-size", "large")
    await expect(page.get_by_role("button", name="Text: large", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    await expect(page.locator("#news-item h1 ruby").first).to_be_visible()
    await tab_to(page, page.get_by_role("button", name="Text: largest"))
    await page.keyboard.press("Enter")
    await expect(page.locator("html")).to_have_attribute("data-text-size", "largest")
    assert not await has_horizontal_scroll(page)
    await assert_accessible(page)
    await page.goto(f"{live_server.url}/news")
    await expect(page.locator("#news-list")).to_have_attribute("aria-busy", "false")
    await assert_accessible(page)


async def test_the_kiosk_grows_its_text_and_shows_the_news_with_furigana_and_the_form_previews_it(
    live_server: LiveServer, page: Page, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    admin = await make_account("admin")
    token = await api_token(live_server.url, admin.email, admin.password)
    body = {
        "title": "除雪のお知らせ",
        "body": "明朝から除雪します。",
        "audience": {"residents": True},
        "public": True,
    }
    await post(live_server.url, "/api/announcements", token, body)
    kiosk = await make_account("kiosk", hub_id="bandai")
    await sign_in(page, live_server.url, kiosk.email, kiosk.password)
    await page.goto(live_server.url + "/kiosk/bandai")
    news = page.locator("#kiosk-news")
    await expect(news).to_be_visible()
    before = await font_px(page.locator("html"))
    await tab_to(page, page.get_by_role("button", name="文字 特大", exact=True))
    await page.keyboard.press("Enter")
    assert await font_px(page.locator("html")) >= before * 1.4
    await tab_to(page, page.get_by_role("button", name="ふりがな"))
    await page.keyboard.press("Enter")
    await expect(news.locator("rt").first).to_have_text("じょせつ")
    await assert_accessible(page)

    page = await (await new_context()).new_page()
    await sign_in(page, live_server.url, admin.email, admin.password)
    await page.goto(live_server.url + "/announcements/new")
    await page.fill("#a-title", "防災無線")
    await page.fill("#a-body", "本日は晴天です。")
    await page.get_by_role("button", name="ふりがなを表示").click()
    await expect(page.locator("#preview-ja-title rt").first).to_have_text("ぼうさい")
    await page.get_by_label("すべての住民（LINE とメール）").check()
    await page.get_by_label("公開する（町のお知らせ一覧に載せる）").check()
    await assert_accessible(page)
    await page.get_by_role("button", name="お知らせを出す").click()
    await page.wait_for_url("**/acks")
    await expect(page.locator("#acks-residents")).to_have_text("住民（LINE）: 0 / 0 人が確認")
