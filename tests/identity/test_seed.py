"""Demo data: the town, a partner company, three projects; running it twice changes nothing."""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient
from redis.asyncio import Redis

from hub.seed import seed_demo
from hub.settings import Settings


async def test_seed_is_idempotent(
    settings: Settings, mongo: AsyncMongoClient[dict[str, Any]], redis: Redis, database_name: str
) -> None:
    db = mongo[database_name]
    await seed_demo(settings)
    names = ("users", "orgs", "projects", "boards", "audit")
    counts = {name: await db[name].count_documents({}) for name in names}
    await seed_demo(settings)
    assert {name: await db[name].count_documents({}) for name in names} == counts

    orgs = {doc["name"]: doc for doc in await db["orgs"].find({}).to_list()}
    assert orgs["Aizu Tech"]["kind"] == "company" and orgs["磐梯町役場"]["kind"] == "town"
    tanaka = await db["users"].find_one({"email": "tanaka@partner.example"})
    assert tanaka is not None and tanaka["org_id"] == orgs["Aizu Tech"]["_id"]

    users = {doc["email"].split("@")[0]: doc["_id"] for doc in await db["users"].find({}).to_list()}
    projects = {doc["visibility"]: doc for doc in await db["projects"].find({}).to_list()}
    assert set(projects) == {"public", "internal", "private"}
    lab = projects["public"]
    assert lab["title"] == "磐梯町 DX ラボ"
    assert {m["user_id"]: m["role"] for m in lab["members"]} == {
        users["sato"]: "owner",
        users["suzuki"]: "editor",
    }
    board = await db["boards"].find_one({"_id": lab["board_id"]})
    assert board is not None and board["project_id"] == lab["_id"]
