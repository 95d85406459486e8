"""The one rule book: may this person read, change or administer this thing?

Every endpoint and every channel subscription asks here; nothing re-checks a right inline.
Reads of things the caller may not know exist answer ``NotFound``, not ``Forbidden``.
"""

from __future__ import annotations

from hub.identity.principal import Principal


class Rights:
    def may_subscribe_user_channel(self, principal: Principal, user_id: str) -> bool:
        return principal.id == user_id

    def may_subscribe_announcements(self, principal: Principal) -> bool:
        return True
