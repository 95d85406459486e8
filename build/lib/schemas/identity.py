"""People, organisations and sessions on the wire (API.md, People, organisations, roles)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StrictBool, StringConstraints, model_validator

from hub.limits import AUDIT_PAGE_DEFAULT, AUDIT_PAGE_MAX, MAX_EMAIL_CHARS
from schemas.common import Out, Strict, UtcDatetime
from schemas.text import Email, Id, Name, NewPassword, Password, no_surrogates

Role = Literal["admin", "member", "partner", "kiosk"]
Locale = Literal["ja", "en"]
OrgKind = Literal["town", "company", "nonprofit", "academic"]
# LINE user ids are "U" and 32 hex digits; accept their documented alphabet and a little room.
LineUserId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9]+$")]


class LoginBody(Strict):
    # Not validated as an address: whatever was typed is simply not found, with the same 401.
    email: Annotated[
        str, StringConstraints(min_length=1, max_length=MAX_EMAIL_CHARS), AfterValidator(no_surrogates)
    ]
    password: Password


class PasswordResetBody(Strict):
    # Not validated as an address: whatever was typed gets the same 202.
    email: Annotated[
        str, StringConstraints(min_length=1, max_length=MAX_EMAIL_CHARS), AfterValidator(no_surrogates)
    ]


class SetPasswordBody(Strict):
    token: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    password: NewPassword


class UserOut(Out):
    id: str
    email: str
    name: str
    role: Role
    org_id: str | None = None
    locale: Locale = "ja"
    home_hub: str | None = None
    hub_id: str | None = None
    disabled: bool = False


class UserAdminOut(UserOut):
    """What admins see of an account: also its LINE id and when it was made."""

    line_user_id: str | None = None
    created_at: UtcDatetime | None = None


class LoginOut(Out):
    user: UserOut
    token: str


class SetPasswordOut(Out):
    user: UserOut


class UserCreate(Strict):
    email: Email
    name: Name
    role: Role
    org_id: Id | None = None
    password: NewPassword | None = None
    locale: Locale = "ja"
    home_hub: Id | None = None
    hub_id: Id | None = Field(default=None, description="The kiosk's hub; kiosks only.")
    line_user_id: LineUserId | None = None

    @model_validator(mode="after")
    def _kiosk_has_a_hub(self) -> UserCreate:
        check_role_fields(role=self.role, hub_id=self.hub_id, org_id=self.org_id)
        return self


class UserPatch(Strict):
    """Every field optional; ``null`` clears the nullable ones."""

    email: Email | None = None
    name: Name | None = None
    role: Role | None = None
    org_id: Id | None = None
    password: NewPassword | None = None
    locale: Locale | None = None
    home_hub: Id | None = None
    hub_id: Id | None = None
    line_user_id: LineUserId | None = None
    disabled: StrictBool | None = None

    @model_validator(mode="after")
    def _not_null_where_required(self) -> UserPatch:
        for required in ("email", "name", "role", "locale", "password", "disabled"):
            if required in self.model_fields_set and getattr(self, required) is None:
                raise ValueError(f"{required} cannot be null")
        return self


def check_role_fields(*, role: Role, hub_id: str | None, org_id: str | None) -> None:
    """The fields a role needs: kiosks belong to one hub, partners to an organisation."""
    if role == "kiosk" and hub_id is None:
        raise ValueError("a kiosk account needs hub_id")
    if role != "kiosk" and hub_id is not None:
        raise ValueError("only kiosk accounts have hub_id")
    if role == "partner" and org_id is None:
        raise ValueError("a partner account needs org_id")


class OrgCreate(Strict):
    name: Name
    kind: OrgKind


class OrgOut(Out):
    id: str
    name: str
    kind: OrgKind
    created_at: UtcDatetime


class AuditEntryOut(Out):
    id: str
    at: UtcDatetime
    action: str
    actor_id: str | None = None
    actor_name: str | None = None
    address: str | None = None
    subject_id: str | None = Field(default=None, description="The account or project concerned.")
    data: dict[str, str | None] = Field(default_factory=dict)


class AuditPage(Out):
    items: list[AuditEntryOut]
    # Pass as ?before= to get the next (older) page; null on the last page.
    next_before: str | None = None


class AuditQuery(Strict):
    before: Id | None = None
    limit: int = Field(default=AUDIT_PAGE_DEFAULT, ge=1, le=AUDIT_PAGE_MAX)


class UsersQuery(Strict):
    role: Role | None = None
    org_id: Id | None = None
