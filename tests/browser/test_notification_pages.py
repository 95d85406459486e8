"""The notification and announcement pages in chromium: compose with a bilingual preview, read and
acknowledge, the author's view, the live unread count in the header, settings with LINE linking, and
the partner webhook admin with its delivery log. axe-core on each; 360 px wide without sideways scroll."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.async_api import Page, expect

from hub.settings import Settings
from schemas.common import utc_now
from tests.browser.conftest import (
    AccountFactory,
    ContextFactory,
    LiveServer,
    assert_accessible,
    has_horizontal_scroll,
    sign_in,
)
from tests.conftest import CHEAP_PASSWORDS, Servers


@pytest.fixture
def settings(servers: Servers, database_name: str) -> Settings:
    # Partner endpoints on 127.0.0.1 are allowed here so that the webhook page can register one.
    return Settings(
        mongodb_url=servers.mongodb_url,
        redis_url=servers.redis_url,
        mongodb_database=database_name,
        secret_key="test-secret-" + "x" * 40,
        allowed_origins=["http://dejima.test"],
        admin_email="admin@dejima.test",
        admin_password="admin-password-1",
        webhook_allow_private=True,
        line_friend_url="https://lin.ee/dejimaTest",
        **CHEAP_PASSWORDS,
    )


async def test_compose_preview_publish_read_and_acknowledge(
    live_server: LiveServer, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    author = await make_account("member", name="佐藤 淳一")
    reader = await make_account("member", name="鈴木 美咲", home_hub="bandai")
    other = await make_account("partner", locale="en", home_hub="bandai")
    author_page = await (await new_context()).new_page()
    await sign_in(author_page, live_server.url, author.email, author.password)
    await author_page.goto(live_server.url + "/announcements/new")
    await expect(author_page.get_by_role("heading", level=1)).to_have_text("お知らせを書く")
    await author_page.get_by_label("件名", exact=True).fill("除雪のお知らせ")
    await author_page.get_by_label("本文", exact=True).fill("明朝 6 時から除雪車が入ります。")
    await expect(author_page.locator("#preview-ja-title")).to_have_text("除雪のお知らせ")
    await expect(author_page.locator("#preview-en-title")).to_have_text("除雪のお知らせ")  # no English yet
    await author_page.get_by_label("英語の件名").fill("Snow clearing")
    await author_page.get_by_label("英語の本文").fill("Snow ploughs from 6 am.")
    await expect(author_page.locator("#preview-en-title")).to_have_text("Snow clearing")
    await author_page.get_by_label("選んだハブの人").check()
    await author_page.get_by_label("磐梯ハブ").check()
    await author_page.get_by_label("至急").check()
    await assert_accessible(author_page)
    await author_page.get_by_role("button", name="お知らせを出す").click()
    await author_page.wait_for_url(f"{live_server.url}/announcements/*/acks")
    await expect(author_page.locator("#acks-summary")).to_have_text("2 人中 0 人が確認しました。")
    await expect(author_page.locator("#pending-groups")).to_contain_text("鈴木 美咲")
    await assert_accessible(author_page)

    reader_page = await (await new_context()).new_page()
    await sign_in(reader_page, live_server.url, reader.email, reader.password)
    await reader_page.goto(live_server.url + "/announcements")
    notice = reader_page.locator("#received-list li").first
    await expect(notice.get_by_role("heading")).to_have_text("除雪のお知らせ")
    await expect(notice).to_contain_text("至急")
    await assert_accessible(reader_page)
    await notice.get_by_role("button", name="確認しました").click()
    await expect(notice).to_contain_text("確認済み")
    await expect(reader_page.get_by_role("status")).to_have_text("確認したことを記録しました。")

    await author_page.get_by_role("button", name="最新にする").click()
    await expect(author_page.locator("#acks-summary")).to_have_text("2 人中 1 人が確認しました。")
    await expect(author_page.locator("#acked-rows")).to_contain_text("鈴木 美咲")

    # A reader of English sees the English text.
    english = await (await new_context(locale="en-US")).new_page()
    await sign_in(english, live_server.url, other.email, other.password)
    await english.goto(live_server.url + "/announcements")
    english_notice = english.locator("#received-list li").first
    await expect(english_notice.get_by_role("heading")).to_have_text("Snow clearing")
    await expect(english_notice.get_by_role("button", name="I have read this")).to_be_visible()


async def test_header_count_is_live_and_the_centre_marks_read(
    live_server: LiveServer, page: Page, make_account: AccountFactory
) -> None:
    reader = await make_account("member")
    await sign_in(page, live_server.url, reader.email, reader.password)
    await page.goto(live_server.url + "/notifications")
    await expect(page.locator("#notifications-empty")).to_be_visible()
    badge = page.locator("header [data-unread-count]")
    await expect(badge).to_be_hidden()
    await page.wait_for_timeout(500)  # the page's socket subscribes to user:{id}

    await live_server.services.notifications.notifier.notify(
        cause_id="browser-1",
        kind="announcement",
        user_ids=[reader.id],
        data={},
        content={"ja": {"title": "会議室の変更", "body": "3 階に変わりました"}, "en": None},
    )
    await expect(badge).to_have_text("1 件の未読")  # no reload; the words are for screen readers
    item = page.locator("#notification-list li").first
    await expect(item.get_by_role("heading")).to_have_text("会議室の変更")
    await expect(page.get_by_role("link", name="通知 1 件の未読")).to_be_visible()
    await assert_accessible(page)
    await item.get_by_role("button", name="既読にする").click()
    await expect(badge).to_be_hidden()
    await expect(item).not_to_contain_text("未読")


async def test_preferences_with_quiet_hours_and_a_line_code_at_360px(
    live_server: LiveServer, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    person = await make_account("member")
    page = await (await new_context(viewport={"width": 360, "height": 740})).new_page()
    await sign_in(page, live_server.url, person.email, person.password)
    await page.goto(live_server.url + "/preferences")
    await expect(page.locator("#preferences-form")).to_have_attribute("aria-busy", "false")
    await expect(page.get_by_label("メールで受け取る")).to_be_checked()
    await page.get_by_label("この時間はメールと LINE を止める").check()
    await page.get_by_label("開始").fill("21:30")
    await page.get_by_role("button", name="保存する").click()
    await expect(page.get_by_role("status")).to_have_text("通知の設定を保存しました。")
    prefs = await page.evaluate("fetch('/api/me/preferences').then((r) => r.json())")
    assert prefs["quiet_hours"] == {"start": "21:30", "end": "07:00"}

    await page.get_by_role("button", name="連携用の番号を表示する").click()
    code = page.locator("#line-code")
    await expect(code).to_have_text(re.compile(r"^\d{6}$"))
    text = await code.text_content()
    assert text is not None and len(text) == 6 and text.isdigit()
    await assert_accessible(page)
    assert not await has_horizontal_scroll(page)


async def test_webhook_admin_shows_the_secret_once_and_the_delivery_log(
    live_server: LiveServer, page: Page, make_account: AccountFactory
) -> None:
    org = await live_server.services.identity.orgs.create(
        org_id="org-aizu", name="会津テック", kind="company"
    )
    partner = await make_account("partner", org_id=org.id)
    await sign_in(page, live_server.url, partner.email, partner.password)
    await page.goto(live_server.url + "/webhooks")
    await page.get_by_label("URL").fill(live_server.url + "/partner-hook")
    await page.get_by_role("button", name="追加する").click()
    secret = page.get_by_label("署名用の秘密鍵")
    await expect(secret).to_be_focused()
    assert (await secret.input_value()).startswith("whsec_")
    item = page.locator("#hook-list li").first
    await expect(item).to_contain_text("card.*")

    [hook] = await live_server.services.webhooks.store.active()
    now = utc_now()
    await live_server.services.notifications.outbox.add_delivery(
        {
            "_id": "wd_browser",
            "channel": "webhook",
            "webhook_id": hook["_id"],
            "org_id": org.id,
            "event_type": "card.created",
            "channel_name": "board:b1",
            "seq": 1,
            "msg_id": "msg_browser",
            "payload": {},
            "priority": "normal",
            "cause_id": None,
            "expires_at": None,
            "created_at": now - timedelta(minutes=5),
        },
        next_at=now,
    )
    await live_server.services.notifications.outbox.mark_final(
        ["wd_browser"], state="failed", now=now, error="HTTP 500", status=500, attempts=9
    )
    # A delivery that failed and waits for its next try says when that is.
    await live_server.services.notifications.outbox.add_delivery(
        {
            "_id": "wd_waiting",
            "channel": "webhook",
            "webhook_id": hook["_id"],
            "org_id": org.id,
            "event_type": "card.moved",
            "channel_name": "board:b1",
            "seq": 2,
            "msg_id": "msg_waiting",
            "payload": {},
            "priority": "normal",
            "cause_id": None,
            "expires_at": None,
            "created_at": now - timedelta(minutes=10),
        },
        next_at=now,
    )
    await live_server.services.notifications.outbox.mark_retry(
        ["wd_waiting"], now=now, next_at=now + timedelta(minutes=30), error="HTTP 503", status=503, attempts=2
    )
    await item.get_by_role("button", name="配信の記録を見る").click()
    waiting = item.locator("tbody tr", has_text="card.moved")
    await expect(waiting).to_contain_text("次の再送:")
    await expect(waiting.locator("time")).to_have_count(2)
    row = item.locator("tbody tr", has_text="card.created")
    await expect(row).to_contain_text("card.created")
    await expect(row).to_contain_text("失敗")
    await assert_accessible(page)
    await row.get_by_role("button", name="もう一度送る").click()
    await expect(page.get_by_role("status")).to_have_text("もう一度送ります。")
    await expect(item.locator("tbody tr").first).to_contain_text("送信待ち")


async def test_preferences_speak_the_page_language_and_line_waits_for_linking(
    live_server: LiveServer, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    person = await make_account("member")
    page = await (await new_context()).new_page()
    await sign_in(page, live_server.url, person.email, person.password)
    await page.goto(live_server.url + "/preferences")
    await expect(page.locator("#preferences-form")).to_have_attribute("aria-busy", "false")
    # Time zone from a list, Japan by default; LINE off and not choosable before it is linked.
    await expect(page.get_by_label("タイムゾーン")).to_have_value("Asia/Tokyo")
    assert await page.locator("#pref-zone option").count() > 10
    line = page.get_by_label("LINE で受け取る")
    await expect(line).not_to_be_checked()
    await expect(line).to_be_disabled()

    # A bad value: the error is Japanese only, next to its field.
    await page.get_by_label("この時間はメールと LINE を止める").check()
    await page.get_by_label("開始").fill("")
    await page.get_by_role("button", name="保存する").click()
    error = page.locator("#pref-quiet-start-error")
    await expect(error).to_be_visible()
    text = await error.text_content()
    assert text and not any("a" <= ch.lower() <= "z" for ch in text), text
    await expect(page.get_by_label("開始")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#alert")).to_have_text("")
    await assert_accessible(page)

    # A good save clears it.
    await page.get_by_label("開始").fill("22:00")
    await page.get_by_label("タイムゾーン").select_option("Asia/Seoul")
    await page.get_by_role("button", name="保存する").click()
    await expect(page.get_by_role("status")).to_have_text("通知の設定を保存しました。")
    await expect(error).to_have_count(0)
    await expect(page.get_by_label("開始")).not_to_have_attribute("aria-invalid", "true")
    prefs = await page.evaluate("fetch('/api/me/preferences').then((r) => r.json())")
    assert prefs["time_zone"] == "Asia/Seoul"

    # Linking: the official account's friend link, as a link and as a QR code made by the server.
    await page.get_by_role("button", name="連携用の番号を表示する").click()
    await expect(
        page.get_by_role("link", name="Dejima の LINE 公式アカウントを友だちに追加")
    ).to_have_attribute("href", "https://lin.ee/dejimaTest")
    qr = page.get_by_role("img", name="LINE 友だち追加の QR コード（https://lin.ee/dejimaTest）")
    await expect(qr).to_be_visible()
    assert await qr.evaluate("(img) => img.complete && img.naturalWidth > 100")
    assert (await qr.get_attribute("src") or "").startswith("/")  # no outside service
    await assert_accessible(page)
