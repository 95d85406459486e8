"""Webhook addresses: a malformed URL is 422 (not 500); an IPv6 address that wraps a loopback or
private IPv4 address (6to4, Teredo, NAT64, IPv4-mapped) is refused like that IPv4 address; event
names are at most 64 characters and descriptions one line."""

from __future__ import annotations

from hub import keys
from tests.conftest import UserFactory
from tests.hardening.conftest import Client, error_of, new_org

MALFORMED = [
    "https://93.184.215.14:99999/h",  # port out of range
    "http://[::1/",  # unclosed IPv6 literal
    "http://[example.com]/h",
    "http://93.184.215.14:http/h",
    "https://93.184.215.14\n.example/h",
]
WRAPPED = [
    "http://[2002:7f00:1::]/",  # 6to4 around 127.0.0.1
    "http://[2002:a00:1::1]/hook",  # 6to4 around 10.0.0.1
    "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",  # Teredo
    "http://[64:ff9b::7f00:1]/",  # NAT64 around 127.0.0.1
    "http://[64:ff9b::a9fe:a9fe]/latest",  # NAT64 around 169.254.169.254
    "http://[64:ff9b:1::5db8:d70e]/",  # the local-use NAT64 prefix
    "http://[::ffff:127.0.0.1]/",  # IPv4-mapped
    "http://[::ffff:0:a00:1]/",  # IPv4-translated
    "http://[::127.0.0.1]/",  # IPv4-compatible
]


async def _all_refused(client: Client, person: UserFactory, urls: list[str], reason: str) -> None:
    admin = await person("admin")
    org = await new_org(client, admin)
    for url in urls:
        body = {"url": url, "events": ["*"]}
        response = await client.post(f"/api/orgs/{org}/webhooks", json=body, headers=admin.headers)
        field = (await error_of(response, 422))["details"]["fields"][0]
        assert field["path"] == "url" and reason in field["message"], (url, field)
    assert await client.app[keys.DB]["webhooks"].count_documents({}) == 0


async def test_malformed_urls_are_422(client: Client, person: UserFactory) -> None:
    await _all_refused(client, person, MALFORMED, "")


async def test_wrapped_private_addresses_are_refused(client: Client, person: UserFactory) -> None:
    await _all_refused(client, person, WRAPPED, "private or loopback")


async def test_event_names_and_descriptions(client: Client, person: UserFactory) -> None:
    admin = await person("admin")
    org = await new_org(client, admin)
    url = "https://93.184.215.14/hook"
    for body, path in (
        ({"events": ["card." + "a" * 60]}, "events.0"),
        ({"events": ["*"], "description": "CRM\nBcc: x"}, "description"),
        ({"events": ["*"], "description": "CRM\x00"}, "description"),
    ):
        response = await client.post(
            f"/api/orgs/{org}/webhooks", json={"url": url, **body}, headers=admin.headers
        )
        error = await error_of(response, 422)
        assert error["details"]["fields"][0]["path"] == path
    ok = {"url": url, "events": ["card." + "a" * 59], "description": "CRM 本番"}
    response = await client.post(f"/api/orgs/{org}/webhooks", json=ok, headers=admin.headers)
    assert response.status == 201, await response.text()
