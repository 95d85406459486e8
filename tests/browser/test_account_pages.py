"""Invitations, "forgot password" and choosing a password, as people do it in Chromium."""

from __future__ import annotations

from playwright.async_api import expect

from hub.identity.tokens import derive_token
from tests.browser.conftest import (
    AccountFactory,
    ContextFactory,
    LiveServer,
    assert_accessible,
    sign_in,
)
from tests.browser.test_every_page import PHONE, sideways


async def link_of(server: LiveServer, email: str) -> str:
    """The link in the e-mail queued for ``email``, as the worker will render it."""
    services = server.services
    user = await services.identity.users.by_email(email)
    delivery = await services.db["deliveries"].find_one({"user_id": user["_id"], "kind": "account"})
    token = derive_token(secret_key=services.settings.secret_key.get_secret_value(), nonce=delivery["nonce"])
    return f"{server.url}/set-password?token={token}"


async def test_an_invited_person_chooses_a_password_and_signs_in(
    live_server: LiveServer, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    admin_account = await make_account("admin", name="管理 花子")
    admin = await (await new_context()).new_page()
    await sign_in(admin, live_server.url, admin_account.email, admin_account.password)
    await admin.goto(live_server.url + "/admin/users")
    await admin.get_by_label("メールアドレス", exact=True).fill("shinjin@dejima.test")
    await admin.get_by_label("氏名", exact=True).fill("新人 一郎")
    await admin.get_by_role("button", name="登録する").click()
    await expect(admin.get_by_role("status")).to_have_text(
        "新人 一郎 さんを登録し、shinjin@dejima.test に招待メールを送りました。"
    )
    await assert_accessible(admin)

    link = await link_of(live_server, "shinjin@dejima.test")
    person = await (await new_context(viewport=PHONE)).new_page()
    await person.goto(link)
    await expect(person.get_by_role("heading", level=1)).to_have_text("パスワードを決める")
    assert "token" not in person.url  # kept out of the address bar once read
    assert "token" not in await person.evaluate("() => [...document.links].map((a) => a.href).join(' ')")
    await person.get_by_label("新しいパスワード（10 文字以上）").fill("yukiguni-2026")
    await person.get_by_label("もう一度、同じパスワード").fill("yukiguni-2027")
    await person.get_by_role("button", name="パスワードを設定する").click()
    # The error is Japanese only, under the field it concerns.
    await expect(person.locator("#new-password-again-error")).to_have_text("2 つのパスワードが一致しません。")
    await expect(person.get_by_label("もう一度、同じパスワード")).to_have_attribute("aria-invalid", "true")
    await assert_accessible(person)
    assert not await sideways(person, PHONE["width"])

    await person.get_by_label("もう一度、同じパスワード").fill("yukiguni-2026")
    await person.get_by_role("button", name="パスワードを設定する").click()
    done = "パスワードを設定しました。新しいパスワードでログインしてください。"
    await expect(person.locator("#set-password-done")).to_be_visible()
    await expect(person.locator("#set-password-done")).to_contain_text(done)
    await sign_in(person, live_server.url, "shinjin@dejima.test", "yukiguni-2026")

    # The same link again is refused, and says what to do.
    again = await (await new_context()).new_page()
    await again.goto(link)
    await again.get_by_label("新しいパスワード（10 文字以上）").fill("someone-else-1")
    await again.get_by_label("もう一度、同じパスワード").fill("someone-else-1")
    await again.get_by_role("button", name="パスワードを設定する").click()
    await expect(again.get_by_role("link", name="新しいリンクを依頼する")).to_be_visible()
    await expect(again.get_by_role("alert")).to_have_text(
        "このリンクは使えません。使用済みか、期限切れか、途中で切れています。"
    )


async def test_forgot_password_from_the_login_page_in_both_languages(
    live_server: LiveServer, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    account = await make_account("member")
    for locale, link_name, sent in (
        ("ja-JP", "パスワードを忘れた方", "このアドレスのアカウントがあれば、リンクをお送りしました。"),
        ("en-US", "Forgot your password?", "If this address belongs to an account, a link is on its way."),
    ):
        page = await (await new_context(locale=locale, viewport=PHONE)).new_page()
        await page.goto(live_server.url + "/login")
        await page.get_by_role("link", name=link_name).click()
        await page.wait_for_url("**/forgot-password")
        assert not await sideways(page, PHONE["width"])
        await assert_accessible(page)
        await page.locator("#forgot-email").fill(account.email)
        await page.locator("#forgot-form button[type=submit]").click()
        await expect(page.locator("#forgot-sent")).to_be_visible()
        await expect(page.locator("#forgot-sent")).to_contain_text(sent)
    resets = {"kind": "account", "purpose": "reset"}
    assert await live_server.services.db["deliveries"].count_documents(resets) == 2
