"""Projects, join requests and administration in a real browser, with axe-core on every page."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.async_api import Page, expect

from tests.browser.conftest import (
    AccountFactory,
    ContextFactory,
    LiveServer,
    assert_accessible,
    choose_files,
    has_horizontal_scroll,
    sign_in,
)


async def _person(
    new_context: ContextFactory, server: LiveServer, email: str, password: str, **options: object
) -> Page:
    page = await (await new_context(**options)).new_page()
    await sign_in(page, server.url, email, password)
    return page


async def test_partner_asks_to_join_and_the_owner_approves_in_the_queue(
    live_server: LiveServer, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    org = await live_server.services.identity.orgs.create(
        org_id="aizu-tech", name="Aizu Tech", kind="company"
    )
    owner_account = await make_account("member", name="佐藤 淳一")
    partner_account = await make_account("partner", name="田中 健", org_id=org.id)

    # The owner creates a public project from the projects page.
    owner = await _person(new_context, live_server, owner_account.email, owner_account.password)
    await owner.goto(live_server.url + "/projects")
    await owner.get_by_label("名前").fill("磐梯町 DX ラボ")
    await owner.get_by_label("概要").fill("町と企業の共創の場")
    await owner.get_by_role("radio", name="公開", exact=True).check()
    await owner.get_by_role("button", name="作成する").click()
    await expect(owner.get_by_role("status")).to_have_text("「磐梯町 DX ラボ」を作成しました。")
    item = owner.locator("#project-list li", has_text="磐梯町 DX ラボ")
    await expect(item.locator(".badge")).to_have_text("公開")
    await expect(item).to_contain_text("あなたの役割: オーナー")
    await assert_accessible(owner)

    # The partner finds it, reads it and asks to join.
    partner = await _person(new_context, live_server, partner_account.email, partner_account.password)
    await partner.goto(live_server.url + "/projects")
    await partner.get_by_role("link", name="磐梯町 DX ラボ").click()
    await expect(partner.get_by_role("heading", level=1)).to_have_text("磐梯町 DX ラボ")
    await expect(partner.locator("#project-visibility")).to_have_text("公開")
    await expect(partner.locator("#member-list")).to_have_text("佐藤 淳一 — オーナー")
    await assert_accessible(partner)
    await partner.get_by_label("ひとこと（任意）").fill("IoT センサーで協力できます")
    await partner.get_by_role("button", name="参加を申し込む").click()
    await expect(partner.locator("#join-state")).to_have_text(
        "参加を申し込みました。オーナーの確認を待っています。"
    )
    await expect(partner.get_by_role("button", name="参加を申し込む")).to_be_hidden()
    await assert_accessible(partner)

    # The owner decides in the queue, by keyboard.
    await owner.goto(live_server.url + "/join-requests")
    request = owner.locator("#queue-list li", has_text="田中 健")
    await expect(request).to_contain_text("IoT センサーで協力できます")
    await expect(request.get_by_role("link", name="磐梯町 DX ラボ")).to_be_visible()
    await assert_accessible(owner)
    approve = request.get_by_role("button", name="承認する")
    await approve.focus()
    await owner.keyboard.press("Enter")
    await expect(owner.get_by_role("status")).to_have_text("田中 健 さんを編集者として迎えました。")
    await expect(owner.locator("#queue-list li")).to_have_count(0)
    await expect(owner.locator("#queue-empty")).to_be_visible()
    await expect(owner.locator("#queue-title")).to_be_focused()
    await assert_accessible(owner)

    # The partner is now an editor of the project.
    await partner.reload()
    await expect(partner.locator("#project-role")).to_have_text("あなたの役割: 編集者")
    await expect(partner.locator("#member-list li", has_text="田中 健")).to_have_text("田中 健 — 編集者")
    await expect(partner.locator("#join-section")).to_be_hidden()


async def test_owner_decides_on_the_project_page_in_english_at_360px(
    live_server: LiveServer, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    owner_account = await make_account("member", name="Sato Junichi", locale="en")
    member_account = await make_account("member", name="Suzuki Misaki", locale="en")
    owner_principal = await live_server.services.identity.sessions.authenticate(
        await live_server.services.identity.sessions.open(owner_account.id)
    )
    from schemas.projects import JoinRequestCreate, ProjectCreate

    project = await live_server.services.projects.service.create(
        owner_principal,
        ProjectCreate(title="Counter booking", summary="Line one\nLine two", visibility="internal"),
        key=None,
        address=None,
    )
    member_principal = await live_server.services.identity.sessions.authenticate(
        await live_server.services.identity.sessions.open(member_account.id)
    )
    await live_server.services.projects.join_requests.request(
        member_principal, project.id, JoinRequestCreate(message="May I help?"), key=None
    )
    small = {"locale": "en-US", "viewport": {"width": 360, "height": 740}}
    owner = await _person(new_context, live_server, owner_account.email, owner_account.password, **small)
    await owner.goto(f"{live_server.url}/projects/{project.id}")
    await expect(owner.locator("#project-visibility")).to_have_text("Internal")
    await expect(owner.locator("#request-list li")).to_contain_text("May I help?")
    assert not await has_horizontal_scroll(owner)
    await assert_accessible(owner)
    await (
        owner.locator("#request-list li", has_text="Suzuki Misaki")
        .get_by_role("button", name="Decline")
        .click()
    )
    await expect(owner.get_by_role("status")).to_have_text("You declined the request of Suzuki Misaki.")
    await expect(owner.locator("#requests-empty")).to_be_visible()

    member = await _person(new_context, live_server, member_account.email, member_account.password, **small)
    await member.goto(f"{live_server.url}/projects/{project.id}")
    await expect(member.locator("#join-state")).to_have_text(
        "Your last request was declined. You may ask again."
    )
    await expect(member.get_by_role("button", name="Ask to join")).to_be_visible()
    assert not await has_horizontal_scroll(member)
    await member.goto(f"{live_server.url}/projects/nosuchproject")
    await expect(member.locator("#project-missing")).to_be_visible()
    await assert_accessible(member)


async def test_admin_registers_an_organisation_and_a_partner(
    live_server: LiveServer, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    admin_account = await make_account("admin", name="磐梯 花子")
    admin = await _person(new_context, live_server, admin_account.email, admin_account.password)
    await admin.goto(live_server.url + "/projects")
    await admin.get_by_role("link", name="団体の管理").click()
    await admin.get_by_label("団体名").fill("Aizu Tech")
    await admin.get_by_label("種類").select_option("company")
    await admin.get_by_role("button", name="登録する").click()
    await expect(admin.get_by_role("status")).to_have_text("「Aizu Tech」を登録しました。")
    await expect(admin.locator("#org-list li", has_text="Aizu Tech")).to_contain_text("企業")
    await assert_accessible(admin)

    await admin.goto(live_server.url + "/admin/users")
    await admin.get_by_label("メールアドレス", exact=True).fill("Tanaka@Partner.example")
    await admin.get_by_label("氏名", exact=True).fill("「田中 健」")
    await admin.get_by_label("種別", exact=True).select_option("partner")
    await admin.get_by_label("団体", exact=True).select_option(label="Aizu Tech")
    await admin.get_by_label("初期パスワード（10 文字以上、任意）").fill("a long password")
    await admin.get_by_role("button", name="登録する").click()
    await expect(admin.get_by_role("status")).to_have_text("「田中 健」 さんを登録しました。")
    row = admin.locator("#user-rows tr", has_text="tanaka@partner.example")
    await expect(row).to_contain_text("Aizu Tech")
    await assert_accessible(admin)
    await row.get_by_role("button", name="利用を止める").click()
    await expect(admin.locator("#user-rows tr", has_text="tanaka@partner.example")).to_contain_text(
        "利用停止中"
    )

    # A member sees the page but not its controls.
    member_account = await make_account("member")
    member = await _person(new_context, live_server, member_account.email, member_account.password)
    await member.goto(live_server.url + "/admin/users")
    await expect(member.locator("#admin-only")).to_be_visible()
    await expect(member.locator("#admin-area")).to_be_hidden()
    await assert_accessible(member)


async def test_every_identity_page_fits_a_360px_phone(
    live_server: LiveServer, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    admin_account = await make_account("admin", name="とても長い名前の管理者さん" * 2)
    await make_account(
        "partner", name="パートナー企業のとても長い名前の担当者さん", email="long-name@partner.example"
    )
    await live_server.services.identity.orgs.create(
        org_id="long", name="株式会社とても長い名前の協力企業", kind="company"
    )
    for locale in ("ja", "en"):
        admin = await _person(
            new_context,
            live_server,
            admin_account.email,
            admin_account.password,
            viewport={"width": 360, "height": 740},
        )
        await admin.goto(f"{live_server.url}/locale/{locale}?next=/projects")
        for path in ("/projects", "/join-requests", "/admin/users", "/admin/orgs"):
            await admin.goto(live_server.url + path)
            await expect(admin.locator("html")).to_have_attribute("lang", locale)
            await admin.wait_for_function("() => !document.querySelector('[aria-busy=true]')")
            assert not await has_horizontal_scroll(admin), f"{locale} {path}"
            await assert_accessible(admin)


async def test_an_owner_brings_a_trello_board_by_keyboard(
    live_server: LiveServer, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    """The migration path in one step: the owner picks Trello's export on the project page and the
    board holds its lists and cards; a second press of Import with the same file adds nothing."""
    from schemas.projects import ProjectCreate

    fixture = Path(__file__).parent.parent / "boards" / "fixtures" / "trello_export.json"
    trello = json.loads(fixture.read_text(encoding="utf-8"))
    lists = sorted(trello["lists"], key=lambda item: item["pos"])
    open_lists = [item["name"] for item in lists if not item.get("closed")]
    owner_account = await make_account("member", name="佐藤 淳一")
    owner_principal = await live_server.services.identity.sessions.authenticate(
        await live_server.services.identity.sessions.open(owner_account.id)
    )
    project = await live_server.services.projects.service.create(
        owner_principal,
        ProjectCreate(title="観光マップ", summary="", visibility="internal"),
        key=None,
        address=None,
    )
    owner = await _person(new_context, live_server, owner_account.email, owner_account.password)
    await owner.goto(f"{live_server.url}/projects/{project.id}")
    section = owner.locator("#import-section")
    await expect(section.get_by_role("heading", name="Trello からボードを移す")).to_be_visible()
    await assert_accessible(owner)

    # Import without a file: the error is next to the field, in Japanese.
    await section.get_by_role("button", name="取り込む").focus()
    await owner.keyboard.press("Enter")
    await expect(owner.locator("#import-error")).to_have_text("ファイルを選んでください。")

    # The file is chosen by keyboard (Space on the focused input opens the chooser).
    await choose_files(owner, section.get_by_label("Trello のエクスポート（JSON）"), str(fixture))
    await owner.keyboard.press("Tab")
    await owner.keyboard.press("Enter")
    await expect(owner.locator("#import-result")).to_contain_text("取り込みました：列 ")
    await expect(owner.locator("#import-error")).to_be_hidden()
    done = await owner.locator("#import-result").text_content()
    # Pressing Import again with the same file is a retry: the same counts, nothing added.
    await section.get_by_role("button", name="取り込む").click()
    await expect(owner.locator("#import-result")).to_have_text(done or "")

    await owner.goto(f"{live_server.url}/boards/{project.board_id}")
    await expect(owner.locator(".board-column__title")).to_have_text(open_lists)
    await assert_accessible(owner)
