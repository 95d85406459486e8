"""Demo data for ``dejima dev`` and ``dejima seed``: idempotent, so running it again changes nothing."""

from __future__ import annotations

import logging

from hub.boards.demo import seed_demo_board
from hub.errors import Conflict
from hub.services import Services, build_services
from hub.settings import Settings
from hub.storage import mongo as mongo_storage
from hub.storage import redis as redis_storage
from schemas.identity import Role

log = logging.getLogger(__name__)

# Printed by `dejima dev`. Demo passwords only ever exist in a local dev database.
DEMO_LOGINS: list[tuple[Role, str, str]] = [
    ("admin", "admin@bandai.example", "bandai-admin-2026"),
    ("member", "sato@bandai.example", "bandai-member-2026"),
    ("member", "suzuki@bandai.example", "bandai-member-2026"),
    ("partner", "tanaka@partner.example", "partner-2026"),
    ("kiosk", "kiosk-bandai@bandai.example", "kiosk-bandai-2026"),
    ("kiosk", "kiosk-shibuya@bandai.example", "kiosk-shibuya-2026"),
]

_NAMES = {
    "admin@bandai.example": "磐梯 花子",
    "sato@bandai.example": "佐藤 淳一",
    "suzuki@bandai.example": "鈴木 美咲",
    "tanaka@partner.example": "田中 健",
    "kiosk-bandai@bandai.example": "Kiosk Bandai",
    "kiosk-shibuya@bandai.example": "Kiosk Shibuya",
}


async def seed_demo(settings: Settings) -> None:
    client = mongo_storage.open_client(settings.mongodb_url)
    redis = redis_storage.open_client(settings.redis_url)
    try:
        services = build_services(settings=settings, db=client[settings.database_name], redis=redis)
        await services.ensure_indexes()
        await _seed(services)
    finally:
        await redis.aclose()
        await client.close()


async def _seed(services: Services) -> None:
    for role, email, password in DEMO_LOGINS:
        if await services.users.by_email(email) is not None:
            continue
        hub_id = email.removeprefix("kiosk-").split("@")[0] if role == "kiosk" else None
        try:
            await services.users.create(
                email=email,
                name=_NAMES[email],
                role=role,
                password=password,
                home_hub="bandai" if role in ("admin", "member") else None,
                hub_id=hub_id,
            )
        except Conflict:
            continue  # created meanwhile by another `seed`
    await seed_demo_board(services)
    log.info("demo data ready")
