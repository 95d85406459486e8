"""Invitations and password resets over a real SMTP server (aiosmtpd): the link works once, expires,
old sessions end, an unknown address gets the same answer, repeats are limited."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp.test_utils import TestClient

from hub import limits
from hub.errors import MalformedRequest
from hub.services import Services, build_services
from schemas.common import utc_now
from tests.conftest import UserFactory
from tests.notifications.fakes import FakeClock, Mailbox
from tests.notifications.fixtures import *  # noqa: F403 (a real SMTP server in the settings)
from tests.notifications.fixtures import deliver_all

LINK = re.compile(r"http://dejima\.test/set-password\?token=[A-Za-z0-9_%-]+")


def link_in(message: EmailMessage) -> str:
    plain = message.get_body(preferencelist=("plain",))
    assert plain is not None
    [link] = LINK.findall(plain.get_content())
    return link


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


async def mails_to(box: Mailbox, services: Services, address: str) -> list[EmailMessage]:
    await deliver_all(services)
    return box.to(address)


async def sign_in(client: TestClient[Any, Any], email: str, password: str) -> int:
    response = await client.post("/api/auth/login", json={"email": email, "password": password})
    client.session.cookie_jar.clear()
    return response.status


async def test_a_new_user_without_password_is_invited_in_their_language_and_the_link_works_once(
    client: TestClient[Any, Any], make_user: UserFactory, services: Services, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    admin = await make_user("admin")
    response = await client.post(
        "/api/users",
        json={"email": "newcomer@dejima.test", "name": "Ana Newcomer", "role": "member", "locale": "en"},
        headers=admin.headers,
    )
    assert response.status == 201, await response.text()

    [message] = await mails_to(box, services, "newcomer@dejima.test")
    assert message["Subject"] == "You are invited to Dejima"
    assert "List-Unsubscribe" not in message  # not a mailing list
    assert "7 days" in message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    token = token_of(link_in(message))

    short = await client.post("/api/auth/set-password", json={"token": token, "password": "short"})
    assert short.status == 422
    assert (await short.json())["error"]["details"]["fields"][0]["path"] == "password"

    done = await client.post("/api/auth/set-password", json={"token": token, "password": "a-good-passphrase"})
    assert done.status == 200, await done.text()
    assert (await done.json())["user"]["email"] == "newcomer@dejima.test"
    assert await sign_in(client, "newcomer@dejima.test", "a-good-passphrase") == 200

    again = await client.post(
        "/api/auth/set-password", json={"token": token, "password": "another-passphrase"}
    )
    assert again.status == 400
    assert (await again.json())["error"]["code"] == "invalid_request"
    assert await sign_in(client, "newcomer@dejima.test", "another-passphrase") == 401


async def test_the_link_is_stored_nowhere_but_as_a_hash(
    client: TestClient[Any, Any], make_user: UserFactory, services: Services, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    admin = await make_user("admin")
    await client.post(
        "/api/users",
        json={"email": "hashed@dejima.test", "name": "Hashed", "role": "member"},
        headers=admin.headers,
    )
    [message] = await mails_to(box, services, "hashed@dejima.test")
    assert message["Subject"] == "Dejima へのご招待"
    token = token_of(link_in(message))
    for collection in await services.db.list_collection_names():
        async for doc in services.db[collection].find({}):
            assert token not in repr(doc), collection


async def test_a_new_invitation_replaces_the_old_one(
    client: TestClient[Any, Any], make_user: UserFactory, services: Services, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    admin = await make_user("admin")
    member = await make_user("member")
    created = await client.post(
        "/api/users",
        json={"email": "late@dejima.test", "name": "Late", "role": "member"},
        headers=admin.headers,
    )
    user_id = (await created.json())["id"]
    [first] = await mails_to(box, services, "late@dejima.test")

    refused = await client.post(f"/api/users/{user_id}/invite", headers=member.headers)
    assert refused.status == 403
    resent = await client.post(f"/api/users/{user_id}/invite", headers=admin.headers)
    assert resent.status == 202, await resent.text()
    _, second = await mails_to(box, services, "late@dejima.test")

    old = await client.post(
        "/api/auth/set-password", json={"token": token_of(link_in(first)), "password": "x" * 12}
    )
    assert old.status == 400
    new = await client.post(
        "/api/auth/set-password", json={"token": token_of(link_in(second)), "password": "y" * 12}
    )
    assert new.status == 200
    missing = await client.post("/api/users/nobody/invite", headers=admin.headers)
    assert missing.status == 404


async def test_reset_answers_the_same_for_unknown_addresses_and_mails_only_real_ones(
    client: TestClient[Any, Any], make_user: UserFactory, services: Services, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    person = await make_user("member", email="real@dejima.test")
    answers = []
    for address in ("real@dejima.test", "nobody@dejima.test"):
        started = asyncio.get_running_loop().time()
        response = await client.post("/api/auth/password-reset", json={"email": address})
        took = asyncio.get_running_loop().time() - started
        answers.append((response.status, await response.read()))
        assert took >= limits.PASSWORD_RESET_ANSWER_S
    assert answers[0] == answers[1]
    assert answers[0][0] == 202

    [message] = await mails_to(box, services, person.email)
    assert message["Subject"] == "Dejima のパスワード再設定"
    assert box.to("nobody@dejima.test") == []


async def test_setting_a_password_ends_every_other_session(
    client: TestClient[Any, Any], make_user: UserFactory, services: Services, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    person = await make_user("partner", email="forgetful@dejima.test", org_id=None)
    assert (await client.get("/api/me", headers=person.headers)).status == 200
    await client.post("/api/auth/password-reset", json={"email": "FORGETFUL@dejima.test"})
    [message] = await mails_to(box, services, person.email)

    done = await client.post(
        "/api/auth/set-password", json={"token": token_of(link_in(message)), "password": "new-passphrase-1"}
    )
    assert done.status == 200
    assert (await client.get("/api/me", headers=person.headers)).status == 401
    assert await sign_in(client, person.email, "new-passphrase-1") == 200


async def test_resets_are_limited_per_address_whether_or_not_it_exists(
    client: TestClient[Any, Any], make_user: UserFactory, services: Services, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    await make_user("member", email="busy@dejima.test")
    for address in ("busy@dejima.test", "ghost@dejima.test"):
        statuses = []
        for _ in range(limits.PASSWORD_RESET_MAX_PER_ACCOUNT + 1):
            response = await client.post("/api/auth/password-reset", json={"email": address})
            statuses.append(response.status)
        assert statuses == [202] * limits.PASSWORD_RESET_MAX_PER_ACCOUNT + [429]
        assert int(response.headers["Retry-After"]) > 0
        assert (await response.json())["error"]["code"] == "rate_limited"
    assert len(await mails_to(box, services, "busy@dejima.test")) == limits.PASSWORD_RESET_MAX_PER_ACCOUNT


@pytest.mark.parametrize(("purpose", "ttl_s"), [("reset", 3600), ("invite", 7 * 24 * 3600)])
async def test_links_expire(
    client: TestClient[Any, Any],
    make_user: UserFactory,
    services: Services,
    mailbox: tuple[Mailbox, int],
    purpose: str,
    ttl_s: int,
) -> None:
    box, _ = mailbox
    admin = await make_user("admin")
    person = await make_user("member")
    if purpose == "reset":
        await client.post("/api/auth/password-reset", json={"email": person.email})
    else:
        await client.post(f"/api/users/{person.id}/invite", headers=admin.headers)
    [message] = await mails_to(box, services, person.email)
    token = token_of(link_in(message))

    clock = FakeClock(utc_now() + timedelta(seconds=ttl_s + 1))
    later = build_services(settings=services.settings, db=services.db, redis=services.redis, clock=clock)
    with pytest.raises(MalformedRequest):
        await later.identity.recovery.set_password(
            token, "too-late-passphrase", keep_session=None, address=None
        )
    assert (await client.get("/api/me", headers=person.headers)).status == 200


async def test_admins_change_people_but_cannot_lock_themselves_out(
    client: TestClient[Any, Any], make_user: UserFactory
) -> None:
    admin = await make_user("admin")
    await make_user("admin")  # not the last admin: the refusal is about oneself
    person = await make_user("member")
    changed = await client.patch(
        f"/api/users/{person.id}",
        json={"name": "Renamed Person", "email": "renamed@dejima.test", "home_hub": "shibuya"},
        headers=admin.headers,
    )
    assert changed.status == 200, await changed.text()
    body = await changed.json()
    assert (body["name"], body["email"], body["home_hub"]) == (
        "Renamed Person",
        "renamed@dejima.test",
        "shibuya",
    )
    for patch in ({"disabled": True}, {"role": "member"}):
        response = await client.patch(f"/api/users/{admin.id}", json=patch, headers=admin.headers)
        assert response.status == 409, patch
        assert (await response.json())["error"]["code"] == "conflict"
    assert (await client.get("/api/me", headers=admin.headers)).status == 200
    hubs = await client.get("/api/hubs", headers=person.headers)
    assert hubs.status == 200


async def test_a_foreign_page_cannot_send_resets_or_set_passwords(client: TestClient[Any, Any]) -> None:
    foreign = {"Origin": "https://evil.example"}
    reset = await client.post("/api/auth/password-reset", json={"email": "a@dejima.test"}, headers=foreign)
    assert reset.status == 403
    chosen = await client.post(
        "/api/auth/set-password", json={"token": "x", "password": "a-long-passphrase"}, headers=foreign
    )
    assert chosen.status == 403
