"""Login CSRF: sign-in from a foreign browser origin is 403, and a body that does not say it is
``application/json`` (a form or ``text/plain`` post needs no CORS preflight) is 400 — neither sets
a cookie. ``X-Forwarded-*`` count only from a proxy named in ``DEJIMA_TRUSTED_PROXIES``."""

from __future__ import annotations

import json
from ipaddress import ip_network

from hub import keys
from hub.http.auth import COOKIE_NAME
from tests.conftest import TEST_ORIGIN, AppFactory, UserFactory
from tests.hardening.conftest import Client, error_of


def _cookie_set(response: object) -> bool:
    headers = getattr(response, "headers")  # noqa: B009
    return any(h.startswith(COOKIE_NAME + "=") for h in headers.getall("Set-Cookie", []))


async def test_foreign_origins_cannot_sign_anyone_in(client: Client, make_user: UserFactory) -> None:
    account = await make_user("member")
    body = {"email": account.email, "password": account.password}
    for origin in ("http://evil.example", "null", TEST_ORIGIN + ".evil.example"):
        response = await client.post("/api/auth/login", json=body, headers={"Origin": origin})
        assert (await error_of(response, 403))["code"] == "forbidden"
        assert not _cookie_set(response)
    # Our own pages, the service's own origin, and clients that are not browsers (no Origin).
    own = str(client.make_url("")).rstrip("/")
    for headers in ({"Origin": TEST_ORIGIN}, {"Origin": own}, {}):
        response = await client.post("/api/auth/login", json=body, headers=headers)
        assert response.status == 200, (headers, await response.text())
        assert _cookie_set(response)
        client.session.cookie_jar.clear()


async def test_bodies_must_be_sent_as_json(client: Client, make_user: UserFactory) -> None:
    account = await make_user("member")
    raw = json.dumps({"email": account.email, "password": account.password})
    for content_type in (
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ):
        response = await client.post("/api/auth/login", data=raw, headers={"Content-Type": content_type})
        assert (await error_of(response, 400))["code"] == "invalid_request"
        assert not _cookie_set(response)
    # Other endpoints too: a text/plain body is not taken for JSON.
    headers = {"Content-Type": "text/plain", "Authorization": f"Bearer {account.token}"}
    response = await client.post(
        "/api/projects", data=json.dumps({"title": "x", "visibility": "public"}), headers=headers
    )
    await error_of(response, 400)
    assert await client.app[keys.DB]["projects"].count_documents({}) == 0
    headers = {"Content-Type": "application/json; charset=utf-8"}
    assert (await client.post("/api/auth/login", data=raw, headers=headers)).status == 200


async def test_forwarded_headers_count_only_from_trusted_proxies(
    make_client: AppFactory, make_user: UserFactory
) -> None:
    account = await make_user("member")
    body = {"email": account.email, "password": account.password}
    forged = {
        "Origin": "https://evil.example",
        "X-Forwarded-Host": "evil.example",
        "X-Forwarded-Proto": "https",
    }
    direct = await make_client()
    await error_of(await direct.post("/api/auth/login", json=body, headers=forged), 403)
    # Our proxy elsewhere: a peer that is not it is still not believed.
    elsewhere = await make_client(trusted_proxies=[ip_network("10.0.0.0/8")])
    await error_of(await elsewhere.post("/api/auth/login", json=body, headers=forged), 403)
    response = await elsewhere.post("/api/auth/login", json=body, headers={"X-Forwarded-For": "192.0.2.9"})
    assert response.status == 200
    audit = await elsewhere.app[keys.SERVICES].identity.audit.page(before=None, limit=1)
    assert audit.items[0].address == "127.0.0.1"
    # Behind a trusted proxy the forwarded origin is the request's own, and the forwarded address counts.
    proxied = await make_client(trusted_proxies=[ip_network("127.0.0.1")])
    proxy_headers = {**forged, "X-Forwarded-For": "198.51.100.1, 192.0.2.9"}
    assert (await proxied.post("/api/auth/login", json=body, headers=proxy_headers)).status == 200
    audit = await proxied.app[keys.SERVICES].identity.audit.page(before=None, limit=1)
    assert audit.items[0].address == "192.0.2.9"
