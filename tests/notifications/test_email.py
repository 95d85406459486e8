"""E-mail through a real SMTP server (aiosmtpd): Japanese that decodes, escaped HTML, one-click
unsubscribe that really turns e-mail off, STARTTLS with login."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp.test_utils import TestClient
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from pydantic import SecretStr

from hub.services import Services
from hub.settings import Settings
from tests.conftest import AppFactory, UserFactory
from tests.notifications.fakes import Mailbox, free_port
from tests.notifications.fixtures import deliver_all

NOTICE = {
    "title": "大雪のため磐梯ハブを休館します",
    "body": "本日は積雪のため休館です。\n\n<script>alert('x')</script> & お気をつけて。",
    "title_en": "Bandai hub closed for snow",
    "body_en": "Closed today because of heavy snow.",
    "audience": {"all": True},
    "priority": "normal",
}


async def test_japanese_email_decodes_and_html_is_escaped(
    client: TestClient[Any, Any], make_user: UserFactory, services: Services, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    author = await make_user("member")
    reader = await make_user("member", locale="ja")
    english = await make_user("partner", locale="en")
    response = await client.post("/api/announcements", json=NOTICE, headers=author.headers)
    assert response.status == 201, await response.text()
    await deliver_all(services)

    [message] = box.to(reader.email)
    assert message["Subject"] == NOTICE["title"]
    assert message["From"].addresses[0].addr_spec == "no-reply@dejima.test"
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    assert plain.get_content_charset() == "utf-8"
    assert "本日は積雪のため休館です。" in plain.get_content()
    assert "<script>alert('x')</script>" in plain.get_content()  # text stays text
    assert "<script>" not in html.get_content()
    assert "&lt;script&gt;" in html.get_content()
    # Headers went over the wire as encoded words, not raw UTF-8.
    raw = message.as_bytes()
    assert b"=?utf-8?" in raw.lower() and NOTICE["title"].encode() not in raw
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"].startswith("<http://dejima.test/api/unsubscribe?token=")
    assert message["Message-ID"].endswith("@dejima.test>")

    [english_message] = box.to(english.email)
    assert english_message["Subject"] == NOTICE["title_en"]
    assert "Closed today" in english_message.get_body(preferencelist=("plain",)).get_content()


async def test_one_click_unsubscribe_turns_email_off_for_that_user_only(
    client: TestClient[Any, Any], make_user: UserFactory, services: Services, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    author = await make_user("member")
    leaving = await make_user("member")
    staying = await make_user("member")
    await client.post("/api/announcements", json=NOTICE, headers=author.headers)
    await deliver_all(services)
    [message] = box.to(leaving.email)
    link = message["List-Unsubscribe"].strip("<>")
    parts = urlsplit(link)

    page = await client.get(f"{parts.path}?{parts.query}")
    assert page.status == 200 and "text/html" in page.headers["Content-Type"]
    prefs = await (await client.get("/api/me/preferences", headers=leaving.headers)).json()
    assert prefs["email"] is True  # looking at the page changes nothing

    forged = await client.post(f"{parts.path}?token={leaving.id}.AAAA", data="List-Unsubscribe=One-Click")
    assert forged.status == 404
    response = await client.post(
        f"{parts.path}?{parts.query}",
        data="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status == 200, await response.text()
    prefs = await (await client.get("/api/me/preferences", headers=leaving.headers)).json()
    assert prefs["email"] is False

    second = {**NOTICE, "title": "二通目", "title_en": "Second"}
    await client.post("/api/announcements", json=second, headers=author.headers)
    await deliver_all(services)
    assert [m["Subject"] for m in box.to(leaving.email)] == [NOTICE["title"]]
    assert [m["Subject"] for m in box.to(staying.email)] == [NOTICE["title"], "二通目"]
    # In-app still reaches them.
    listed = await (await client.get("/api/notifications", headers=leaving.headers)).json()
    assert [n["data"]["title"] for n in listed] == ["二通目", NOTICE["title"]]


class _Authenticator:
    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = auth_data.login == b"dejima" and auth_data.password == b"smtp-password"
        return AuthResult(success=ok, handled=False)


def _self_signed(tmp_path: Path) -> tuple[str, str]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return str(cert), str(key)


async def test_starttls_and_login_when_configured(
    make_client: AppFactory, make_user: UserFactory, settings: Settings, tmp_path: Path
) -> None:
    cert, key = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    box = Mailbox()
    port = free_port()
    controller = Controller(
        box,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        auth_require_tls=True,
        authenticator=_Authenticator(),
        auth_exclude_mechanism=["CRAM-MD5"],
    )
    controller.start()
    try:
        app = await make_client(
            smtp_port=port,
            smtp_starttls=True,
            smtp_username="dejima",
            smtp_password=SecretStr("smtp-password"),
            smtp_ca_file=cert,
        )
        author = await make_user("member")
        reader = await make_user("member")
        response = await app.post("/api/announcements", json=NOTICE, headers=author.headers)
        assert response.status == 201
        from hub import keys

        await deliver_all(app.app[keys.SERVICES])
        for _ in range(50):
            if box.to(reader.email):
                break
            await asyncio.sleep(0.05)
        [message] = box.to(reader.email)
        assert message["Subject"] == NOTICE["title"]

        wrong = await make_client(
            smtp_port=port,
            smtp_starttls=True,
            smtp_username="dejima",
            smtp_password=SecretStr("nope"),
            smtp_ca_file=cert,
        )
        await wrong.post("/api/announcements", json={**NOTICE, "title": "x"}, headers=author.headers)
        services = wrong.app[keys.SERVICES]
        await deliver_all(services)
        failed = await services.notifications.outbox.find(state="failed", channel="email")
        assert failed and all(
            "535" in doc["last_error"] or "auth" in doc["last_error"].lower() for doc in failed
        )
        assert not [m for m in box.messages if m["Subject"] == "x"]
    finally:
        controller.stop()
