"""Partner webhooks: who may register them, Standard Webhooks signatures checked by a real receiver,
retries after 500s, 410 Gone, SSRF refusals, and never an event of a project the org may not read."""

from __future__ import annotations

import base64
from typing import Any

from aiohttp.test_utils import TestClient

from hub.services import Services
from schemas.events import Change, Event
from tests.conftest import Account, AppFactory, UserFactory
from tests.notifications.fakes import WebhookReceiver
from tests.notifications.fixtures import deliver_all


async def _org(client: TestClient[Any, Any], admin: Account, name: str) -> str:
    response = await client.post("/api/orgs", json={"name": name, "kind": "company"}, headers=admin.headers)
    assert response.status == 201, await response.text()
    return str((await response.json())["id"])


async def _project(client: TestClient[Any, Any], owner: Account, visibility: str) -> dict[str, Any]:
    body = {"title": f"{visibility} project", "visibility": visibility}
    response = await client.post("/api/projects", json=body, headers=owner.headers)
    assert response.status == 201, await response.text()
    project: dict[str, Any] = await response.json()
    return project


async def _board_event(services: Services, board_id: str, event: str = "card.created") -> Event:
    """A change on a project's board, as the boards service commits it."""

    async def decide() -> Change:
        return Change(
            event=event, data={"id": "card-1", "title": "見積書を送る", "board_id": board_id}, ops=[]
        )

    return await services.events.commit(f"board:{board_id}", decide, actor=None)


async def _hook(
    client: TestClient[Any, Any], who: Account, org_id: str, url: str, events: list[str], **headers: str
) -> dict[str, Any]:
    response = await client.post(
        f"/api/orgs/{org_id}/webhooks",
        json={"url": url, "events": events},
        headers={**who.headers, **headers},
    )
    assert response.status == 201, await response.text()
    hook: dict[str, Any] = await response.json()
    return hook


async def test_who_may_register_and_the_secret_is_shown_once(
    client: TestClient[Any, Any], make_user: UserFactory, receiver: tuple[WebhookReceiver, str]
) -> None:
    _, url = receiver
    admin = await make_user("admin")
    org = await _org(client, admin, "会津テック")
    other_org = await _org(client, admin, "Other Co")
    partner = await make_user("partner", org_id=org)
    outsider = await make_user("partner", org_id=other_org)
    member = await make_user("member")

    hook = await _hook(client, partner, org, url, ["card.*"], **{"Idempotency-Key": "k1"})
    assert hook["secret"].startswith("whsec_") and len(base64.b64decode(hook["secret"][6:])) == 32
    again = await _hook(client, partner, org, url, ["card.*"], **{"Idempotency-Key": "k1"})
    assert again["id"] == hook["id"] and again["secret"] == hook["secret"]
    listed = await (await client.get(f"/api/orgs/{org}/webhooks", headers=partner.headers)).json()
    assert [h["id"] for h in listed] == [hook["id"]] and "secret" not in listed[0]
    assert (await _hook(client, admin, org, url, ["*"]))["org_id"] == org

    body = {"url": url, "events": ["card.*"]}
    for who in (outsider, member):
        response = await client.post(f"/api/orgs/{org}/webhooks", json=body, headers=who.headers)
        assert response.status == 404
        assert (await client.get(f"/api/orgs/{org}/webhooks", headers=who.headers)).status == 404
    response = await client.post(
        f"/api/orgs/{org}/webhooks", json={"url": url, "events": ["card*"]}, headers=partner.headers
    )
    assert response.status == 422
    assert (await client.post("/api/orgs/nope/webhooks", json=body, headers=admin.headers)).status == 404
    assert len(await (await client.get(f"/api/orgs/{org}/webhooks", headers=admin.headers)).json()) == 2


async def test_private_and_loopback_urls_are_refused_unless_allowed(
    make_client: AppFactory, make_user: UserFactory, receiver: tuple[WebhookReceiver, str]
) -> None:
    fake, url = receiver
    guarded = await make_client(webhook_allow_private=False)
    admin = await make_user("admin")
    org = await _org(guarded, admin, "SSRF Co")
    for bad in (url, "http://localhost/hook", "http://10.1.2.3/hook", "http://169.254.169.254/latest",
                "http://[::1]/hook", "ftp://example.com/x", "http://user:pw@example.com/"):  # fmt: skip
        response = await guarded.post(
            f"/api/orgs/{org}/webhooks", json={"url": bad, "events": ["*"]}, headers=admin.headers
        )
        assert response.status == 422, bad
        assert (await response.json())["error"]["details"]["fields"][0]["path"] == "url"

    # Registered while private addresses were allowed; checked again at delivery time.
    open_app = await make_client(webhook_allow_private=True)
    hook = await _hook(open_app, admin, org, url, ["*"])
    fake.secrets = [hook["secret"]]
    owner = await make_user("member")
    project = await _project(open_app, owner, "public")
    from hub import keys

    guarded_services: Services = guarded.app[keys.SERVICES]
    await _board_event(guarded_services, project["board_id"])
    await guarded_services.webhooks.follower.run_once()
    await deliver_all(guarded_services)
    assert fake.attempts == []
    [doc] = await guarded_services.notifications.outbox.find(channel="webhook")
    assert doc["state"] == "failed" and "private or loopback" in doc["last_error"]


async def test_signed_deliveries_are_retried_until_the_receiver_accepts(
    client: TestClient[Any, Any],
    make_user: UserFactory,
    services: Services,
    receiver: tuple[WebhookReceiver, str],
) -> None:
    fake, url = receiver
    fake.script = [500, 500]
    admin = await make_user("admin")
    org = await _org(client, admin, "Retry Co")
    partner = await make_user("partner", org_id=org)
    hook = await _hook(client, partner, org, url, ["card.*"])
    fake.secrets = [hook["secret"]]
    project = await _project(client, await make_user("member"), "public")
    event = await _board_event(services, project["board_id"])
    await _board_event(services, project["board_id"], "column.created")  # not subscribed
    await services.webhooks.follower.run_once()
    await services.webhooks.follower.run_once()  # a second round adds nothing
    await deliver_all(services)

    assert fake.bad_signatures == 0
    assert len(fake.attempts) == 3 and len({a["id"] for a in fake.attempts}) == 1
    [delivered] = fake.delivered
    payload = delivered["payload"]
    assert set(payload) == {"id", "type", "channel", "seq", "data", "at"}
    assert payload["id"] == delivered["id"]
    assert (payload["type"], payload["channel"], payload["seq"]) == ("card.created", event.channel, event.seq)
    assert payload["data"]["title"] == "見積書を送る" and payload["at"].endswith("Z")

    log = await (
        await client.get(f"/api/orgs/{org}/webhooks/{hook['id']}/deliveries", headers=partner.headers)
    ).json()
    assert [(d["state"], d["attempts"], d["event_type"]) for d in log] == [("sent", 3, "card.created")]

    # Send again by hand: the same webhook-id, so the receiver can tell it is a repeat.
    resend = await client.post(
        f"/api/orgs/{org}/webhooks/{hook['id']}/deliveries/{log[0]['id']}/resend", headers=partner.headers
    )
    assert resend.status == 200 and (await resend.json())["state"] == "pending"
    await deliver_all(services)
    assert [d["id"] for d in fake.delivered] == [delivered["id"], delivered["id"]]


async def test_410_gone_disables_the_endpoint(
    client: TestClient[Any, Any],
    make_user: UserFactory,
    services: Services,
    receiver: tuple[WebhookReceiver, str],
) -> None:
    fake, url = receiver
    fake.script = [410]
    admin = await make_user("admin")
    org = await _org(client, admin, "Gone Co")
    hook = await _hook(client, admin, org, url, ["*"])
    fake.secrets = [hook["secret"]]
    project = await _project(client, await make_user("member"), "public")
    await _board_event(services, project["board_id"])
    await services.webhooks.follower.run_once()
    await deliver_all(services)
    [listed] = await (await client.get(f"/api/orgs/{org}/webhooks", headers=admin.headers)).json()
    assert listed["active"] is False and "410" in listed["disabled_reason"]
    await _board_event(services, project["board_id"])
    assert await services.webhooks.follower.run_once() == 0
    assert len(fake.attempts) == 1


async def test_failed_after_the_last_retry_is_visible_to_admins(
    client: TestClient[Any, Any],
    make_user: UserFactory,
    services: Services,
    receiver: tuple[WebhookReceiver, str],
) -> None:
    fake, url = receiver
    fake.script = [503] * 10
    admin = await make_user("admin")
    member = await make_user("member")
    org = await _org(client, admin, "Down Co")
    hook = await _hook(client, admin, org, url, ["card.created"])
    fake.secrets = [hook["secret"]]
    project = await _project(client, member, "public")
    await _board_event(services, project["board_id"])
    await services.webhooks.follower.run_once()
    await deliver_all(services)
    assert len(fake.attempts) == 4  # the first try and the three retries of the test settings
    failed = await (await client.get("/api/deliveries?state=failed", headers=admin.headers)).json()
    assert [(d["channel"], d["webhook_id"], d["attempts"], d["last_status"]) for d in failed] == [
        ("webhook", hook["id"], 4, 503)
    ]
    assert (await client.get("/api/deliveries?state=failed", headers=member.headers)).status == 403


async def test_a_partner_never_receives_events_of_projects_its_org_cannot_read(
    client: TestClient[Any, Any],
    make_user: UserFactory,
    services: Services,
    receiver: tuple[WebhookReceiver, str],
) -> None:
    fake, url = receiver
    admin = await make_user("admin")
    org = await _org(client, admin, "Partner Co")
    partner = await make_user("partner", org_id=org)
    owner = await make_user("member")
    hook = await _hook(client, partner, org, url, ["*"])
    fake.secrets = [hook["secret"]]
    public = await _project(client, owner, "public")
    internal = await _project(client, owner, "internal")
    private = await _project(client, owner, "private")
    shared = await _project(client, owner, "private")
    added = await client.post(
        f"/api/projects/{shared['id']}/members",
        json={"user_id": partner.id, "role": "viewer"},
        headers=owner.headers,
    )
    assert added.status in (200, 201), await added.text()
    for project in (public, internal, private, shared):
        await _board_event(services, project["board_id"])
    await services.webhooks.follower.run_once()
    await deliver_all(services)

    channels = sorted(d["payload"]["channel"] for d in fake.delivered)
    assert channels == sorted([f"board:{public['board_id']}", f"board:{shared['board_id']}"])

    # Rights are checked again when a delivery is sent: the partner left the shared project.
    await _board_event(services, shared["board_id"])
    await services.webhooks.follower.run_once()
    removed = await client.delete(f"/api/projects/{shared['id']}/members/{partner.id}", headers=owner.headers)
    assert removed.status in (200, 204), await removed.text()
    await deliver_all(services)
    assert len(fake.delivered) == 2
    cancelled = await services.notifications.outbox.find(channel="webhook", state="cancelled")
    assert len(cancelled) == 1


async def test_after_a_rotation_both_secrets_sign(
    client: TestClient[Any, Any],
    make_user: UserFactory,
    services: Services,
    receiver: tuple[WebhookReceiver, str],
) -> None:
    fake, url = receiver
    admin = await make_user("admin")
    org = await _org(client, admin, "Rotate Co")
    hook = await _hook(client, admin, org, url, ["card.*"])
    rotated = await client.post(f"/api/orgs/{org}/webhooks/{hook['id']}/rotate-secret", headers=admin.headers)
    assert rotated.status == 200
    new_secret = (await rotated.json())["secret"]
    assert new_secret != hook["secret"] and new_secret.startswith("whsec_")
    project = await _project(client, await make_user("member"), "public")
    await _board_event(services, project["board_id"])
    await services.webhooks.follower.run_once()
    fake.secrets = [hook["secret"]]  # a receiver that has not switched yet
    await deliver_all(services)
    [attempt] = fake.delivered
    assert len(attempt["signature"].split(" ")) == 2
    fake.secrets = [new_secret]  # a receiver that has switched
    assert fake.verify(attempt["headers"], attempt["body"])
    fake.secrets = ["whsec_" + base64.b64encode(b"0" * 32).decode()]  # and one with a wrong secret
    assert not fake.verify(attempt["headers"], attempt["body"])
