"""E-mails that carry an account link (invitation, password reset) through the outbox.

The delivery holds the token's ``nonce``, never the token: the text with the link is rendered when
the e-mail is sent (``render``), from ``DEJIMA_SECRET_KEY`` and the nonce (hub/identity/tokens.py).
The delivery expires with its link, so a mail held up longer than the link lives is not sent.
"""

from __future__ import annotations

import hashlib
import html
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from hub.clock import Clock
from hub.identity.tokens import Purpose, derive_token
from hub.notifications.messages import Email
from hub.notifications.outbox import Outbox
from hub.notifications.queue import JobQueue
from hub.settings import Settings

Doc = dict[str, Any]

KIND = "account"

_SUBJECT: dict[Purpose, dict[str, str]] = {
    "invite": {"ja": "Dejima へのご招待", "en": "You are invited to Dejima"},
    "reset": {"ja": "Dejima のパスワード再設定", "en": "Reset your Dejima password"},
}
_LEAD: dict[Purpose, dict[str, str]] = {
    "invite": {
        "ja": "{name} さん\n\nDejima（磐梯町 DX 推進室）にあなたのアカウントが作られました。"
        "次のリンクを開いてパスワードを決めると、サインインできます。リンクは 7 日間、1 回だけ使えます。",
        "en": "Hello {name},\n\nAn account on Dejima (Bandai town DX office) was made for you. "
        "Open the link below and choose a password to sign in. The link works once, for 7 days.",
    },
    "reset": {
        "ja": "{name} さん\n\nパスワードの再設定を受け付けました。"
        "次のリンクから新しいパスワードを決めてください。リンクは 1 時間、1 回だけ使えます。",
        "en": "Hello {name},\n\nSomeone asked to reset your Dejima password. "
        "Open the link below to choose a new one. The link works once, for 1 hour.",
    },
}
_NOT_YOU: dict[Purpose, dict[str, str]] = {
    "invite": {
        "ja": "心当たりがなければ、このメールは破棄してください。",
        "en": "If you did not expect this, you can ignore this e-mail.",
    },
    "reset": {
        "ja": "ご自身で依頼していなければ、このメールは無視してください。パスワードは変わりません。",
        "en": "If you did not ask for this, ignore this e-mail: your password stays as it is.",
    },
}
_FOOTER = {
    "ja": "このメールは Dejima（磐梯町 DX 推進室）から送られました。",
    "en": "This e-mail was sent by Dejima (Bandai town DX office).",
}


class AccountMailer:
    def __init__(self, *, outbox: Outbox, queue: JobQueue, clock: Clock) -> None:
        self._outbox = outbox
        self._queue = queue
        self._clock = clock

    async def send(self, *, user: Doc, purpose: Purpose, nonce: str, ttl_s: int) -> None:
        now = self._clock()
        delivery_id = "ac_" + hashlib.sha256(nonce.encode()).hexdigest()[:32]
        doc: Doc = {
            "_id": delivery_id,
            "channel": "email",
            "kind": KIND,
            "purpose": purpose,
            "nonce": nonce,
            "user_id": user["_id"],
            "name": user.get("name") or "",
            "locale": user.get("locale") or "ja",
            "priority": "urgent",  # never held by quiet hours: the person is waiting for it
            "expires_at": now + timedelta(seconds=ttl_s),
            "created_at": now,
        }
        await self._outbox.add_delivery(doc, next_at=now)
        await self._queue.delivery(delivery_id, channel="email")


def is_account_mail(doc: Doc) -> bool:
    return doc.get("kind") == KIND


def render(doc: Doc, *, settings: Settings) -> Email:
    locale = "en" if doc.get("locale") == "en" else "ja"
    purpose: Purpose = "invite" if doc.get("purpose") == "invite" else "reset"
    token = derive_token(secret_key=settings.secret_key.get_secret_value(), nonce=doc["nonce"])
    link = f"{settings.public_url.rstrip('/')}/set-password?token={quote(token)}"
    subject = _SUBJECT[purpose][locale]
    lead = _LEAD[purpose][locale].format(name=doc.get("name") or "")
    not_you = _NOT_YOU[purpose][locale]
    text = f"{lead}\n\n{link}\n\n{not_you}\n\n-- \n{_FOOTER[locale]}\n"
    paragraphs = "".join(
        f"<p>{html.escape(part).replace(chr(10), '<br>')}</p>" for part in lead.split("\n\n") if part
    )
    page = (
        f'<!doctype html><html lang="{locale}"><head><meta charset="utf-8">'
        f"<title>{html.escape(subject)}</title></head>"
        f'<body style="font-family:sans-serif;line-height:1.6">'
        f'<h1 style="font-size:1.25em">{html.escape(subject)}</h1>{paragraphs}'
        f'<p><a href="{html.escape(link, quote=True)}">{html.escape(link)}</a></p>'
        f"<p>{html.escape(not_you)}</p>"
        f'<hr><p style="font-size:.85em;color:#555">{html.escape(_FOOTER[locale])}</p></body></html>'
    )
    return Email(subject=subject, text=text, html=page)
