"""Demo data for ``dejima dev`` and ``dejima seed``: idempotent, so running it again changes nothing."""

from __future__ import annotations

import logging

from hub.boards.demo import seed_demo_board
from hub.errors import Conflict
from hub.identity.users import to_principal
from hub.principal import Principal
from hub.services import Services, build_services
from hub.settings import Settings
from hub.storage import mongo as mongo_storage
from hub.storage import redis as redis_storage
from schemas.identity import OrgKind, Role
from schemas.projects import MemberIn, ProjectCreate, ProjectRole

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
    org_ids: dict[str, str] = {}
    for key, (name, kind) in _ORGS.items():
        try:
            org_ids[key] = (await services.identity.orgs.create(org_id=key, name=name, kind=kind)).id
        except Conflict:
            # Registered by hand under another id: use that one.
            existing_org = await services.identity.orgs.by_name(name)
            assert existing_org is not None, name
            org_ids[key] = existing_org.id
    for role, email, password in DEMO_LOGINS:
        org_id = org_ids.get(_ORG_OF.get(email, ""))
        existing = await services.identity.users.by_email(email)
        if existing is not None:
            if existing.get("org_id") != org_id and org_id is not None:
                await services.identity.users.update(existing["_id"], {"org_id": org_id})
            continue
        hub_id = email.removeprefix("kiosk-").split("@")[0] if role == "kiosk" else None
        try:
            await services.identity.users.create(
                email=email,
                name=_NAMES[email],
                role=role,
                password=password,
                org_id=org_id,
                home_hub="bandai" if role in ("admin", "member") else None,
                hub_id=hub_id,
            )
        except Conflict:
            continue  # created meanwhile by another `seed`
    boards = await _seed_projects(services)
    await seed_demo_board(
        users=services.identity.users,
        columns=services.boards.columns,
        cards=services.boards.cards,
        board_id=boards["dx-lab"],
        owner_email="sato@bandai.example",
    )
    log.info("demo data ready")


async def _principal(services: Services, email: str) -> Principal:
    doc = await services.identity.users.by_email(email)
    assert doc is not None, email  # created just before
    return to_principal(doc, session_id="seed")


async def _seed_projects(services: Services) -> dict[str, str]:
    """Make the demo projects once; return their board ids by key."""
    boards: dict[str, str] = {}
    sato = await _principal(services, "sato@bandai.example")
    suzuki = await _principal(services, "suzuki@bandai.example")
    for key, owner, body, others in _PROJECTS:
        creator = sato if owner == "sato" else suzuki
        # The same Idempotency-Key on every run: the project and its board are made once.
        project = await services.projects.service.create(creator, body, key=f"seed:{key}", address=None)
        boards[key] = project.board_id
        for user, role in others:
            other = sato if user == "sato" else suzuki
            if project.my_role is not None and all(m.user_id != other.id for m in project.members):
                await services.projects.service.set_member(
                    creator, project.id, MemberIn(user_id=other.id, role=role), address=None
                )
    return boards


_ORGS: dict[str, tuple[str, OrgKind]] = {
    "bandai-town": ("磐梯町役場", "town"),
    "aizu-tech": ("Aizu Tech", "company"),
}
_ORG_OF = {
    "admin@bandai.example": "bandai-town",
    "sato@bandai.example": "bandai-town",
    "suzuki@bandai.example": "bandai-town",
    "tanaka@partner.example": "aizu-tech",
}
_PROJECTS: list[tuple[str, str, ProjectCreate, list[tuple[str, ProjectRole]]]] = [
    (
        "dx-lab",
        "sato",
        ProjectCreate(
            title="磐梯町 DX ラボ",
            summary="町役場と地域の企業が、いっしょに町のデジタル化を進める場です。参加したい企業は申し込んでください。",
            visibility="public",
        ),
        [("suzuki", "editor")],
    ),
    (
        "counter-booking",
        "sato",
        ProjectCreate(
            title="窓口予約の検討",
            summary="役場の窓口をオンラインで予約できるようにするための検討（DX 推進室のみ）。",
            visibility="internal",
        ),
        [],
    ),
    (
        "budget-2027",
        "suzuki",
        ProjectCreate(
            title="2027 年度 予算案",
            summary="予算案の下書き。メンバーだけが見られます。",
            visibility="private",
        ),
        [("sato", "viewer")],
    ),
]
