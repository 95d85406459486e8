"""The identity domain as one object for ``Services``: people, sessions, organisations, the audit
log, sign-in throttling, accounts and password recovery.

The user store is made by the composition root and handed in: the notifications domain needs it
before this one can be built (recovery mails go out through notifications' ``AccountMailer``)."""

from __future__ import annotations

from dataclasses import dataclass

from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis

from hub import limits
from hub.clock import Clock
from hub.doc import Doc
from hub.events.bus import RightsNews
from hub.identity.accounts import AccountService
from hub.identity.audit import AuditLog
from hub.identity.orgs import OrgStore
from hub.identity.recovery import AccountMail, PasswordRecovery
from hub.identity.sessions import SessionService
from hub.identity.throttle import LoginThrottle, RequestLimiter
from hub.identity.tokens import AccountTokens
from hub.identity.users import UserStore
from hub.rights import Rights
from hub.settings import Settings
from hub.storage.marks import ChangeMarks


@dataclass(frozen=True)
class Identity:
    users: UserStore
    sessions: SessionService
    orgs: OrgStore
    audit: AuditLog
    throttle: LoginThrottle
    accounts: AccountService
    tokens: AccountTokens
    recovery: PasswordRecovery

    async def ensure_indexes(self) -> None:
        await self.users.ensure_indexes()
        await self.sessions.ensure_indexes()
        await self.tokens.ensure_indexes()
        await self.orgs.ensure_indexes()
        await self.audit.ensure_indexes()


def build_identity(
    db: AsyncDatabase[Doc],
    *,
    settings: Settings,
    redis: Redis,
    users: UserStore,
    rights: Rights,
    rights_news: RightsNews,
    marks: ChangeMarks,
    mail: AccountMail,
    clock: Clock,
) -> Identity:
    sessions = SessionService(
        db, users=users, ttl_s=settings.session_ttl_s, rights_news=rights_news, marks=marks
    )
    orgs = OrgStore(db)
    audit = AuditLog(db)
    tokens = AccountTokens(db, secret_key=settings.secret_key.get_secret_value())
    recovery = PasswordRecovery(
        users=users,
        tokens=tokens,
        sessions=sessions,
        mail=mail,
        audit=audit,
        rights=rights,
        per_account=RequestLimiter(
            redis,
            prefix="dejima:reset:acct",
            max_count=limits.PASSWORD_RESET_MAX_PER_ACCOUNT,
            window_s=limits.PASSWORD_RESET_WINDOW_S,
        ),
        per_address=RequestLimiter(
            redis,
            prefix="dejima:reset:addr",
            max_count=limits.PASSWORD_RESET_MAX_PER_ADDRESS,
            window_s=limits.PASSWORD_RESET_WINDOW_S,
        ),
        clock=clock,
    )
    return Identity(
        users=users,
        sessions=sessions,
        orgs=orgs,
        audit=audit,
        throttle=LoginThrottle(
            redis,
            max_per_account=settings.login_max_failures_per_account,
            max_per_address=settings.login_max_failures_per_address,
            window_s=settings.login_lockout_s,
        ),
        accounts=AccountService(
            users=users, orgs=orgs, sessions=sessions, audit=audit, rights=rights, recovery=recovery
        ),
        tokens=tokens,
        recovery=recovery,
    )
