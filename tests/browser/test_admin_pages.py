"""Administration in Chromium: hubs' capacity and hours (the kiosk follows live), people's accounts
edited in their row, and the admin pages in an admin's menu only."""

from __future__ import annotations

from playwright.async_api import expect

from tests.browser.conftest import (
    AccountFactory,
    ContextFactory,
    LiveServer,
    assert_accessible,
    sign_in,
)


async def test_an_admin_changes_capacity_and_the_kiosk_follows_live(
    live_server: LiveServer, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    admin_account = await make_account("admin")
    kiosk_account = await make_account("kiosk", hub_id="bandai")
    kiosk = await (await new_context()).new_page()
    await sign_in(kiosk, live_server.url, kiosk_account.email, kiosk_account.password)
    await expect(kiosk.locator("#kiosk-count")).to_have_text("いま 0 人が利用しています（定員 30 人）。")

    admin = await (await new_context()).new_page()
    await sign_in(admin, live_server.url, admin_account.email, admin_account.password)
    await admin.goto(live_server.url + "/")
    await admin.get_by_role("navigation").get_by_role("link", name="拠点の管理").click()
    await expect(admin.get_by_role("heading", level=1)).to_have_text("拠点の管理")
    bandai = admin.get_by_role("form", name="磐梯ハブ")
    await bandai.get_by_label("定員（人）").fill("0")
    await bandai.get_by_role("button", name="保存する").click()
    await expect(admin.locator("#hub-bandai-capacity-error")).to_be_visible()  # next to the field
    await assert_accessible(admin)
    await bandai.get_by_label("定員（人）").fill("12")
    await bandai.get_by_label("閉館").fill("20:00")
    await bandai.get_by_role("button", name="保存する").click()
    await expect(admin.get_by_role("status")).to_have_text("「磐梯ハブ」を保存しました。")
    await expect(admin.locator("#hub-bandai-capacity-error")).to_have_count(0)

    await expect(kiosk.locator("#kiosk-count")).to_have_text("いま 0 人が利用しています（定員 12 人）。")
    hub = await live_server.services.db["hubs"].find_one({"_id": "bandai"})
    assert hub["capacity"] == 12 and hub["close"] == "20:00"


async def test_admin_pages_are_in_an_admins_menu_and_rows_edit_people(
    live_server: LiveServer, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    admin_account = await make_account("admin")
    member_account = await make_account("member", name="山田 花子")
    member = await (await new_context()).new_page()
    await sign_in(member, live_server.url, member_account.email, member_account.password)
    await member.goto(live_server.url + "/")
    nav = member.get_by_role("navigation")
    await expect(nav.get_by_role("link", name="プロジェクト")).to_be_visible()
    for name in ("利用者の管理", "団体の管理", "拠点の管理"):
        await expect(nav.get_by_role("link", name=name)).to_have_count(0)

    admin = await (await new_context()).new_page()
    await sign_in(admin, live_server.url, admin_account.email, admin_account.password)
    await admin.goto(live_server.url + "/")
    await admin.get_by_role("navigation").get_by_role("link", name="利用者の管理").click()
    row = admin.locator("#user-rows tr", has_text=member_account.email)
    await row.get_by_text("編集").click()
    await row.get_by_label("氏名（山田 花子 さん）").fill("山田 はなこ")
    await row.get_by_label("所属拠点（山田 花子 さん）").select_option(label="渋谷ハブ")
    await row.get_by_role("button", name="保存する").click()
    await expect(admin.get_by_role("status")).to_have_text("山田 はなこ さんの設定を変更しました。")
    await expect(admin.locator("#user-rows tr", has_text=member_account.email)).to_contain_text("渋谷ハブ")
    user = await live_server.services.identity.users.get(member_account.id)
    assert (user["name"], user["home_hub"]) == ("山田 はなこ", "shibuya")

    # Their own row cannot switch themselves off or change their own type.
    own = admin.locator("#user-rows tr", has_text=admin_account.email)
    await expect(own.get_by_role("button", name="利用を止める")).to_have_count(0)
    await assert_accessible(admin)


async def test_a_refused_webhook_url_says_why_in_the_page_language(
    live_server: LiveServer, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    org = await live_server.services.identity.orgs.create(
        org_id="org-aizu", name="会津テック", kind="company"
    )
    partner = await make_account("partner", org_id=org.id)
    page = await (await new_context()).new_page()
    await sign_in(page, live_server.url, partner.email, partner.password)
    await page.goto(live_server.url + "/webhooks")
    await page.get_by_label("URL").fill("http://127.0.0.1:9/hook")
    await page.get_by_role("button", name="追加する").click()
    error = page.locator("#hook-url-error")
    await expect(error).to_contain_text("外から見えないネットワークを指しているため使えません")
    await expect(page.get_by_label("URL")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#alert")).to_have_text("")
    await assert_accessible(page)
    assert await live_server.services.webhooks.store.active() == []
