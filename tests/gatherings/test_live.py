"""The hub's channel carries events and their counts live, never a registrant's name."""

from __future__ import annotations

import json
from typing import Any

from aiohttp.test_utils import TestClient

from hub import keys
from tests.conftest import UserFactory
from tests.gatherings.conftest import at, new_event, register
from tests.realtime.conftest import Connect, connect_ws  # noqa: F401  (the fixture)

COUNTS = {"event_id", "registered", "waitlisted", "attended"}


async def test_hub_channel_carries_counts_never_names(
    client: TestClient[Any, Any],
    make_user: UserFactory,
    connect_ws: Connect,  # noqa: F811
) -> None:
    host = await make_user("member")
    kiosk = await make_user("kiosk", hub_id="bandai")
    watchers = [
        await connect_ws(client, token=(await make_user(role)).token) for role in ("partner", "member")
    ]
    for watcher in watchers:
        await watcher.subscribe("hub:bandai")

    event = await new_event(client, host.headers, starts_at=at(1), ends_at=at(2), capacity=1)
    guest = await register(client, event["id"], name="秘密 の名前", email="secret@example.jp")
    await register(client, event["id"], name="二番目 の名前")
    response = await client.post(
        "/api/hubs/bandai/checkins", json={"registration_code": guest["code"]}, headers=kiosk.headers
    )
    assert response.status == 201

    for watcher in watchers:
        frames = await watcher.events(6)
        kinds = [f["event"] for f in frames]
        assert kinds[:3] == ["event.created", "event.registration", "event.registration"], kinds
        assert "event.arrival" in kinds
        counts = [f for f in frames if f["event"] in ("event.registration", "event.arrival")]
        for frame in counts:
            assert set(frame["data"]) == COUNTS and frame["actor"] is None, frame
        assert [(f["data"]["registered"], f["data"]["waitlisted"]) for f in counts[:2]] == [(1, 0), (1, 1)]
        assert counts[-1]["data"]["attended"] == 1
        text = json.dumps([f for f in frames if f["event"].startswith("event.")], ensure_ascii=False)
        assert "秘密" not in text and "二番目" not in text and "secret@" not in text
    # The partner's copy of the check-in has no name either (the hubs' redaction).
    partner_checkin = next(f for f in watchers[0].seen if f.get("event") == "checkin.created")
    assert partner_checkin["data"].get("name") is None
    # An internal event reaches partners as its id and counts only; members see it whole.
    await new_event(client, host.headers, title="内部の打ち合わせ", visibility="internal")
    partner_copy = await watchers[0].expect("event", event="event.created")
    assert "title" not in partner_copy["data"] and partner_copy["data"]["visibility"] == "internal"
    member_copy = await watchers[1].expect("event", event="event.created")
    assert member_copy["data"]["title"] == "内部の打ち合わせ"
    # In the log: the published data of every event.* event is names-free as well.
    log = await client.app[keys.SERVICES].events.since("hub:bandai", 0)
    published = json.dumps([e.data for e in log if e.event.startswith("event.")], ensure_ascii=False)
    assert "秘密" not in published and "secret@" not in published
