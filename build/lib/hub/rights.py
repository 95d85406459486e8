"""The one rule book: may this person read, change or administer this thing?

Every endpoint and every channel subscription asks here; nothing re-checks a right inline. The rules
are pure functions of the caller and a small view of the thing (``ProjectAccess``), so services load
the thing once and ask. Reads of things the caller may not know exist answer ``NotFound`` (the
``require_*`` helpers raise it), never ``Forbidden``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from hub.errors import Forbidden, NotFound
from hub.principal import Principal

Visibility = Literal["public", "internal", "private"]
ProjectRole = Literal["owner", "editor", "viewer"]


@dataclass(frozen=True, slots=True)
class ProjectAccess:
    """What the rules need to know of a project."""

    id: str
    visibility: Visibility
    members: dict[str, ProjectRole] = field(default_factory=dict)  # user id → role
    board_id: str | None = None

    def role_of(self, user_id: str) -> ProjectRole | None:
        return self.members.get(user_id)


@dataclass(frozen=True, slots=True)
class ProjectScope:
    """Which projects someone may read, as a query: everything, or these visibilities plus the
    projects they are a member of. The same rules as ``may_read_project``, for listing."""

    everything: bool
    visibilities: tuple[Visibility, ...]
    member_id: str


@dataclass(frozen=True, slots=True)
class OrgAccess:
    """What the rules need to know of an organisation that receives webhooks: its people's ids."""

    id: str
    people: frozenset[str] = frozenset()

    def as_principal(self) -> Principal:
        """The organisation seen as one of its partners with no personal membership."""
        return Principal(
            id=f"org:{self.id}",
            name="",
            email="",
            role="partner",
            org_id=self.id,
            locale="ja",
            home_hub=None,
            hub_id=None,
            session_id="",
        )


class Rights:
    # --- projects and their boards (API.md, Projects) ---------------------------------------------

    def readable_projects(self, principal: Principal) -> ProjectScope:
        if principal.role == "admin":
            return ProjectScope(everything=True, visibilities=(), member_id=principal.id)
        visibilities: tuple[Visibility, ...] = (
            ("public", "internal") if principal.role == "member" else ("public",)
        )
        return ProjectScope(everything=False, visibilities=visibilities, member_id=principal.id)

    def may_read_project(self, principal: Principal, project: ProjectAccess) -> bool:
        if principal.role == "admin" or project.role_of(principal.id) is not None:
            return True
        if project.visibility == "public":
            return True
        if project.visibility == "internal":
            return principal.role == "member"
        return False

    def may_change_board(self, principal: Principal, project: ProjectAccess) -> bool:
        if principal.role == "admin":
            return True
        return project.role_of(principal.id) in ("owner", "editor") and principal.role != "kiosk"

    def may_delete_attachment(
        self, principal: Principal, project: ProjectAccess, *, uploader_id: str
    ) -> bool:
        """A card's attachment: its uploader (while they may change the board), the owners, admins."""
        if not self.may_change_board(principal, project):
            return False
        return principal.id == uploader_id or self.may_administer_project(principal, project)

    def may_administer_project(self, principal: Principal, project: ProjectAccess) -> bool:
        return principal.role == "admin" or project.role_of(principal.id) == "owner"

    def may_create_project(self, principal: Principal) -> bool:
        return principal.is_staff

    def may_decide_every_join_request(self, principal: Principal) -> bool:
        """Admins decide requests to any project; owners those of their projects."""
        return principal.role == "admin"

    def may_request_to_join(self, principal: Principal, project: ProjectAccess) -> bool:
        return principal.role in ("partner", "member") and project.role_of(principal.id) is None

    def may_be_project_member(self, role: str) -> bool:
        """Kiosks are devices in a hub, not people: they join no project."""
        return role != "kiosk"

    def require_read_project(self, principal: Principal, project: ProjectAccess) -> None:
        if not self.may_read_project(principal, project):
            raise NotFound("no such project")

    def require_change_board(self, principal: Principal, project: ProjectAccess) -> None:
        self.require_read_project(principal, project)
        if not self.may_change_board(principal, project):
            raise Forbidden("only the project's owners and editors may change its board")

    def require_administer_project(self, principal: Principal, project: ProjectAccess) -> None:
        self.require_read_project(principal, project)
        if not self.may_administer_project(principal, project):
            raise Forbidden("only the project's owners and admins may do this")

    # --- people and organisations -----------------------------------------------------------------

    def may_administer_users(self, principal: Principal) -> bool:
        return principal.role == "admin"

    def may_list_users(self, principal: Principal) -> bool:
        return principal.is_staff

    def may_administer_orgs(self, principal: Principal) -> bool:
        return principal.role == "admin"

    def may_manage_org_webhooks(self, principal: Principal, org_id: str) -> bool:
        return principal.role == "admin" or (principal.role == "partner" and principal.org_id == org_id)

    def may_org_read_project(self, org: OrgAccess, project: ProjectAccess) -> bool:
        """Partner webhooks carry a project's events only when this holds: what any partner of the
        org may read (public projects), plus the projects one of the org's people is a member of."""
        if self.may_read_project(org.as_principal(), project):
            return True
        return any(project.role_of(person) is not None for person in org.people)

    def may_see_deliveries(self, principal: Principal) -> bool:
        """The outbox of every e-mail, LINE message and webhook, failed ones included."""
        return principal.role == "admin"

    def may_read_audit(self, principal: Principal) -> bool:
        return principal.role == "admin"

    # --- hubs (API.md, Hubs and check-in) ---------------------------------------------------------

    def may_check_in_visitor(self, principal: Principal, hub_id: str) -> bool:
        return principal.is_staff or (principal.role == "kiosk" and principal.hub_id == hub_id)

    def may_see_visitors(self, principal: Principal, hub_id: str) -> bool:
        """Names and contacts of the people in a hub; everyone else sees counts."""
        return self.may_check_in_visitor(principal, hub_id)

    def may_export_visits(self, principal: Principal) -> bool:
        return principal.is_staff

    def may_administer_hubs(self, principal: Principal) -> bool:
        return principal.role == "admin"

    def may_check_in_self(self, principal: Principal) -> bool:
        # A kiosk is a device, not a person: it checks visitors in, never itself.
        return not self.is_hub_device(principal)

    def is_hub_device(self, principal: Principal) -> bool:
        """A hub's kiosk: whatever it checks in is a visitor, whatever it ends is ended "by kiosk"."""
        return principal.role == "kiosk"

    def checks_in_a_visitor(self, principal: Principal, *, visitor_fields: bool) -> bool:
        """Whether a check-in request is for a visitor (then ``may_check_in_visitor`` decides):
        always from a kiosk, and from anyone who gives a visitor's fields."""
        return self.is_hub_device(principal) or visitor_fields

    def may_check_out(self, principal: Principal, hub_id: str, person_id: str | None) -> bool:
        """The person themselves, staff, or the kiosk of the hub the check-in belongs to."""
        return (person_id is not None and principal.id == person_id) or self.may_see_visitors(
            principal, hub_id
        )

    def require_see_visitors(self, principal: Principal, hub_id: str, *, action: str) -> None:
        if self.may_see_visitors(principal, hub_id):
            return
        if self.is_hub_device(principal):
            raise Forbidden("a kiosk acts only for its own hub")
        raise Forbidden(f"only the DX office and the hub's kiosk may {action}")

    def may_see_visitor_contacts(self, principal: Principal) -> bool:
        # Contacts are for following up with a visitor: the DX office only, never a kiosk screen.
        return principal.is_staff

    def may_read_visit_stats(self, principal: Principal) -> bool:
        return principal.is_staff

    def may_erase_visitor(self, principal: Principal) -> bool:
        return principal.role == "admin"

    # --- announcements ----------------------------------------------------------------------------

    def may_announce(self, principal: Principal) -> bool:
        return principal.is_staff

    def may_read_acks(self, principal: Principal, *, author_id: str) -> bool:
        return principal.role == "admin" or principal.id == author_id

    def may_list_every_announcement(self, principal: Principal) -> bool:
        """Admins see every author's announcements in "written"; other authors their own."""
        return principal.role == "admin"

    # --- events at the hubs (API.md, Events at the hubs) ------------------------------------------

    def may_create_event(self, principal: Principal) -> bool:
        return principal.is_staff

    def may_change_event(self, principal: Principal, *, creator_id: str) -> bool:
        """Its creator (while still admin or member) and admins."""
        return principal.role == "admin" or (principal.is_staff and principal.id == creator_id)

    def may_read_event(self, principal: Principal, *, visibility: str) -> bool:
        """Public events for every signed-in user; internal ones for admins and members."""
        return visibility == "public" or principal.is_staff

    def may_see_internal_events(self, principal: Principal) -> bool:
        return principal.is_staff

    def may_see_registrations(self, principal: Principal, *, creator_id: str) -> bool:
        """Names and contacts of an event's registrants: its creator, admins and members."""
        return principal.is_staff or principal.id == creator_id

    def may_register_for_event(self, principal: Principal) -> bool:
        # A kiosk is a device, not a person: it checks registrants in, never registers itself.
        return not self.is_hub_device(principal)

    def may_check_in_registrant(self, principal: Principal, hub_id: str) -> bool:
        """That hub's kiosk, admins and members (the same people who check visitors in)."""
        return self.may_check_in_visitor(principal, hub_id)

    # --- channels (API.md, Realtime) --------------------------------------------------------------

    def may_subscribe_user_channel(self, principal: Principal, user_id: str) -> bool:
        return principal.id == user_id

    def may_subscribe_announcements(self, principal: Principal) -> bool:
        return True

    def counts_in_presence(self, principal: Principal) -> bool:
        # A kiosk or wall screen is a device in a room, not a person looking at the board.
        return principal.role != "kiosk"

    def may_subscribe_hub(self, principal: Principal, hub_id: str) -> bool:
        # Every signed-in user may follow a hub's occupancy; names are filtered per copy.
        return True

    # --- residents (API.md, Reaching residents) -----------------------------------------------------

    def may_define_topics(self, principal: Principal) -> bool:
        return principal.role == "admin"

    def may_read_resident_stats(self, principal: Principal) -> bool:
        """The office (admins and members): counts only, never a follower or an address."""
        return principal.is_staff

    def may_preview_readings(self, principal: Principal) -> bool:
        """The furigana preview of the announcement form is for those who write announcements."""
        return self.may_announce(principal)
