"""Invitations and password resets (API.md 1.1, "Accounts: invitations and password reset").

Both send a one-time link to ``/set-password?token=…`` (``hub/identity/tokens.py``) by e-mail through
the notifications outbox, so a mail survives a crashed process like any other. Redeeming a link sets
the password and ends every other session of that person. A reset request answers the same, and
after the same time, whether or not the address belongs to anyone; design note: docs/identity.md.
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

from hub import limits
from hub.clock import Clock
from hub.errors import Conflict, Forbidden, MalformedRequest, NotFound
from hub.identity.audit import AuditLog
from hub.identity.sessions import SessionService
from hub.identity.throttle import RequestLimiter
from hub.identity.tokens import AccountTokens, Purpose
from hub.identity.users import UserStore, normalise_email
from hub.principal import Principal
from hub.rights import Rights

Doc = dict[str, Any]

TOKEN_TTL_S: dict[Purpose, int] = {"invite": limits.INVITE_TOKEN_TTL_S, "reset": limits.RESET_TOKEN_TTL_S}


class AccountMail(Protocol):
    """Queues the e-mail carrying a link (``hub/notifications/account_mail.py``)."""

    async def send(self, *, user: Doc, purpose: Purpose, nonce: str, ttl_s: int) -> None: ...


class PasswordRecovery:
    def __init__(
        self,
        *,
        users: UserStore,
        tokens: AccountTokens,
        sessions: SessionService,
        mail: AccountMail,
        audit: AuditLog,
        rights: Rights,
        per_account: RequestLimiter,
        per_address: RequestLimiter,
        clock: Clock,
    ) -> None:
        self._users = users
        self._tokens = tokens
        self._sessions = sessions
        self._mail = mail
        self._audit = audit
        self._rights = rights
        self._per_account = per_account
        self._per_address = per_address
        self._clock = clock

    async def invite(self, principal: Principal, user_id: str, *, address: str | None) -> None:
        """A new invitation for an account (admins); earlier invitation links stop working."""
        if not self._rights.may_administer_users(principal):
            raise Forbidden("only admins may invite people")
        user = await self._users.get(user_id)
        if user is None:
            raise NotFound("no such user")
        if user.get("disabled"):
            raise Conflict("the account is switched off; switch it on before inviting")
        await self.send_invitation(user)
        await self._audit.record("user.invited", actor=principal.actor, address=address, subject_id=user_id)

    async def send_invitation(self, user: Doc) -> None:
        await self._send(user, "invite")

    async def request_reset(self, email: str, *, address: str) -> None:
        """Send a reset link when the address belongs to an active account; the same either way."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        # Counted per address typed, known or not, so that a 429 tells nothing either.
        await self._per_account.hit(normalise_email(email))
        await self._per_address.hit(address)
        user = await self._users.by_email(email)
        if user is not None and not user.get("disabled"):
            await self._send(user, "reset")
            await self._audit.record(
                "auth.password_reset_requested", actor=None, address=address, subject_id=user["_id"]
            )
        await asyncio.sleep(max(0.0, limits.PASSWORD_RESET_ANSWER_S - (loop.time() - started)))

    async def set_password(
        self, token: str, password: str, *, keep_session: str | None, address: str | None
    ) -> Doc:
        """Redeem a link: the new password holds and every other session of that person ends."""
        user_id = await self._tokens.redeem(token, now=self._clock())
        user = None if user_id is None else await self._users.get(user_id)
        if user is None or user.get("disabled"):
            raise MalformedRequest("this link is not valid: it was used, it expired, or it never existed")
        password_hash = await self._users.passwords.hash(password)
        after = await self._users.update(user["_id"], {"password_hash": password_hash})
        if after is None:
            raise MalformedRequest("this link is not valid: the account is gone")
        await self._sessions.revoke_all(user["_id"], keep=keep_session)
        await self._audit.record("user.password_set", actor=None, address=address, subject_id=user["_id"])
        return after

    async def _send(self, user: Doc, purpose: Purpose) -> None:
        ttl_s = TOKEN_TTL_S[purpose]
        nonce = await self._tokens.issue(user_id=user["_id"], purpose=purpose, ttl_s=ttl_s, now=self._clock())
        await self._mail.send(user=user, purpose=purpose, nonce=nonce, ttl_s=ttl_s)
