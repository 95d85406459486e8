"""Managing people and organisations: what admins do on ``/api/users`` and ``/api/orgs``.

Rights come from ``hub.rights``; every role change and account switch-off goes to the audit log.
A role change, a password change or switching an account off ends that account's sessions, so the
person signs in again under the new rules (and a stolen session stops working).
"""

from __future__ import annotations

from hub.doc import Doc
from hub.errors import Conflict, Forbidden, InvalidRequest, NotFound
from hub.identity.audit import AuditLog
from hub.identity.orgs import OrgStore
from hub.identity.recovery import PasswordRecovery
from hub.identity.sessions import SessionService
from hub.identity.users import UserStore, to_user_admin_out, to_user_out
from hub.ids import idempotent_id
from hub.principal import Principal
from hub.rights import Rights
from schemas.identity import (
    OrgCreate,
    OrgOut,
    Role,
    UserAdminOut,
    UserCreate,
    UserOut,
    UserPatch,
    UsersQuery,
    check_role_fields,
)


def _invalid(path: str, message: str) -> InvalidRequest:
    return InvalidRequest(
        "some fields are not valid",
        details={"fields": [{"path": path, "message": message, "type": "value_error"}]},
    )


class AccountService:
    def __init__(
        self,
        *,
        users: UserStore,
        orgs: OrgStore,
        sessions: SessionService,
        audit: AuditLog,
        rights: Rights,
        recovery: PasswordRecovery,
    ) -> None:
        self._recovery = recovery
        self._users = users
        self._orgs = orgs
        self._sessions = sessions
        self._audit = audit
        self._rights = rights

    # --- users ------------------------------------------------------------------------------------

    async def create_user(
        self, principal: Principal, body: UserCreate, *, key: str | None, address: str | None
    ) -> UserAdminOut:
        if not self._rights.may_administer_users(principal):
            raise Forbidden("only admins may create accounts")
        user_id = idempotent_id(caller_id=principal.id, scope="users", key=key)
        existing = await self._users.get(user_id)
        if existing is not None:
            return to_user_admin_out(existing)
        await self._require_org(body.org_id)
        await self._users.create(user_id=user_id, **body.model_dump())
        doc = await self._users.get(user_id)
        if doc is None:  # removed in the instant since; nothing sensible to answer
            raise NotFound("no such user")
        await self._audit.record(
            "user.created",
            actor=principal.actor,
            address=address,
            subject_id=user_id,
            data={"role": body.role, "email": doc["email"]},
        )
        if body.password is None:
            # Nobody knows a password for it yet: the person chooses one from the invitation.
            await self._recovery.send_invitation(doc)
        return to_user_admin_out(doc)

    async def list_users(self, principal: Principal, query: UsersQuery) -> list[UserOut]:
        if not self._rights.may_list_users(principal):
            raise Forbidden("only the DX office may list accounts")
        docs = await self._users.find(role=query.role, org_id=query.org_id)
        if self._rights.may_administer_users(principal):
            return [to_user_admin_out(doc) for doc in docs]
        return [to_user_out(doc) for doc in docs]

    async def update_user(
        self, principal: Principal, user_id: str, patch: UserPatch, *, address: str | None
    ) -> UserAdminOut:
        if not self._rights.may_administer_users(principal):
            raise Forbidden("only admins may change accounts")
        before = await self._users.get(user_id)
        if before is None:
            raise NotFound("no such user")
        changes: Doc = patch.model_dump(exclude_unset=True)
        role: Role = changes.get("role") or before["role"]
        if role != "kiosk" and "hub_id" not in changes:
            changes["hub_id"] = None  # a device account that becomes a person leaves its hub
        merged = {**before, **changes}
        try:
            check_role_fields(role=role, hub_id=merged.get("hub_id"), org_id=merged.get("org_id"))
        except ValueError as error:
            raise _invalid("(body)", str(error)) from error
        if "org_id" in changes:
            await self._require_org(changes["org_id"])
        if user_id == principal.id and (role != before["role"] or changes.get("disabled") is True):
            # An admin who locks themselves out needs another admin to get back in; ask them instead.
            raise Conflict("you cannot switch off or change the role of your own account")
        losing_admin = before["role"] == "admin" and (role != "admin" or changes.get("disabled") is True)
        if losing_admin and not before.get("disabled") and await self._users.count_active_admins() <= 1:
            raise Conflict("the last admin cannot be demoted or switched off")
        password = changes.pop("password", None)
        if password is not None:
            changes["password_hash"] = await self._users.passwords.hash(password)
        after = await self._users.update(user_id, changes)
        if after is None:
            raise NotFound("no such user")
        await self._after_update(principal, before=before, after=after, address=address, password=password)
        return to_user_admin_out(after)

    async def _after_update(
        self, principal: Principal, *, before: Doc, after: Doc, address: str | None, password: str | None
    ) -> None:
        user_id = after["_id"]
        role_changed = before["role"] != after["role"]
        disabled_now = bool(after.get("disabled")) and not before.get("disabled")
        if role_changed:
            await self._audit.record(
                "user.role_changed",
                actor=principal.actor,
                address=address,
                subject_id=user_id,
                data={"from": before["role"], "to": after["role"]},
            )
        if bool(before.get("disabled")) != bool(after.get("disabled")):
            await self._audit.record(
                "user.disabled" if disabled_now else "user.enabled",
                actor=principal.actor,
                address=address,
                subject_id=user_id,
            )
        if role_changed or disabled_now or password is not None:
            await self._sessions.revoke_all(user_id)

    async def _require_org(self, org_id: str | None) -> None:
        if org_id is not None and await self._orgs.get(org_id) is None:
            raise _invalid("org_id", "no such organisation")

    # --- organisations ----------------------------------------------------------------------------

    async def create_org(
        self, principal: Principal, body: OrgCreate, *, key: str | None, address: str | None
    ) -> OrgOut:
        if not self._rights.may_administer_orgs(principal):
            raise Forbidden("only admins may register organisations")
        org_id = idempotent_id(caller_id=principal.id, scope="orgs", key=key)
        existing = await self._orgs.get(org_id)
        if existing is not None:
            return existing
        org = await self._orgs.create(org_id=org_id, name=body.name, kind=body.kind)
        await self._audit.record(
            "org.created", actor=principal.actor, address=address, subject_id=org.id, data={"name": org.name}
        )
        return org

    async def list_orgs(self, principal: Principal) -> list[OrgOut]:
        return await self._orgs.list()
