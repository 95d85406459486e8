"""Telling registrants: confirmation (with the code and a cancel link), promotion from the waiting
list, the event's cancellation, and the reminder before the start.

A registrant without an account is told by e-mail (the notifications domain's guest mail: the same
outbox, runner and retries as every e-mail); one with an account through the ``Notify`` port (in the
app, and by e-mail or LINE as their preferences say). Each message has an id made of what it is
about, so that a retry or a second worker sends it once.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Literal, Protocol
from urllib.parse import quote
from zoneinfo import ZoneInfo

from hub.doc import Doc
from hub.notify import Notify

Kind = Literal["confirmed", "waitlisted", "promoted", "cancelled", "changed", "event_cancelled", "reminder"]


class GuestMail(Protocol):
    """The notifications domain's messages to people without an account."""

    async def send(
        self, *, delivery_id: str, to: str, locale: str, subject: str, text: str, html: str
    ) -> bool: ...

    async def send_line(self, *, delivery_id: str, to: str, locale: str, text: str) -> bool: ...


_SUBJECT: dict[Kind, dict[str, str]] = {
    "confirmed": {"ja": "参加登録を受け付けました", "en": "You are registered"},
    "waitlisted": {"ja": "キャンセル待ちで受け付けました", "en": "You are on the waiting list"},
    "promoted": {"ja": "キャンセル待ちから参加が確定しました", "en": "A seat is yours now"},
    "cancelled": {"ja": "参加登録を取り消しました", "en": "Your registration is cancelled"},
    "changed": {"ja": "イベントの内容が変わりました", "en": "The event has changed"},
    "event_cancelled": {"ja": "イベントは中止になりました", "en": "The event is cancelled"},
    "reminder": {"ja": "まもなく開催です", "en": "Reminder: the event is soon"},
}
_LEAD: dict[Kind, dict[str, str]] = {
    "confirmed": {
        "ja": "{name} さん、「{title}」への参加登録を受け付けました（{party} 名）。",
        "en": "{name}, you are registered for “{title}” ({party} people).",
    },
    "waitlisted": {
        "ja": "{name} さん、「{title}」は満席のため、キャンセル待ちで受け付けました（{party} 名）。"
        "席が空いたらお知らせします。",
        "en": "{name}, “{title}” is full: you are on the waiting list ({party} people). "
        "We will tell you when a seat is yours.",
    },
    "promoted": {
        "ja": "{name} さん、「{title}」に空きが出たため、参加が確定しました（{party} 名）。",
        "en": "{name}, a seat came free at “{title}”: you are registered now ({party} people).",
    },
    "cancelled": {
        "ja": "{name} さん、「{title}」への参加登録を取り消しました。",
        "en": "{name}, your registration for “{title}” is cancelled.",
    },
    "changed": {
        "ja": "{name} さん、ご登録いただいた「{title}」の日時またはオンラインの案内が変わりました。"
        "新しい内容をご確認ください。",
        "en": "{name}, “{title}”, which you registered for, has a new time or online link. "
        "Please check it below.",
    },
    "event_cancelled": {
        "ja": "{name} さん、ご登録いただいた「{title}」は中止になりました。申し訳ありません。",
        "en": "{name}, we are sorry: “{title}”, which you registered for, is cancelled.",
    },
    "reminder": {
        "ja": "{name} さん、ご登録いただいた「{title}」がまもなく始まります。",
        "en": "{name}, “{title}”, which you registered for, starts soon.",
    },
}
_WHEN = {"ja": "日時: {when}\n会場: {hub}", "en": "When: {when}\nWhere: {hub}"}
_CODE = {
    "ja": "受付コード: {code}\n当日、会場の受付端末にこのコードを入力してください。",
    "en": "Your code: {code}\nType it on the kiosk at the hub when you arrive.",
}
_CANCEL = {"ja": "参加を取り消すには: {link}", "en": "To cancel your registration: {link}"}
_FOOTER = {
    "ja": "このメールは Dejima（磐梯町 DX 推進室）から送られました。",
    "en": "This e-mail was sent by Dejima (Bandai town DX office).",
}
# The notification kinds of the in-app notices (the others are "event.<kind>").
_NOTICE_KIND: dict[str, str] = {
    "event_cancelled": "event.cancelled",
    "cancelled": "event.registration_cancelled",
}
# Which messages carry the code and the cancel link: those about a registration that still counts.
_WITH_CODE: frozenset[Kind] = frozenset({"confirmed", "waitlisted", "promoted", "changed", "reminder"})


class RegistrantNotices:
    def __init__(self, *, mail: GuestMail, notify: Notify, public_url: str) -> None:
        self._mail = mail
        self._notify = notify
        self._public_url = public_url.rstrip("/")

    @staticmethod
    def reachable(registration: Doc) -> bool:
        """Whether the registrant left a way to be told (an account, LINE or an e-mail address)."""
        return any(registration.get(key) for key in ("user_id", "line_user_id", "email"))

    async def tell(self, kind: Kind, registration: Doc, event: Doc, *, hub: Doc, occasion: str = "") -> None:
        """Tell one registrant, once for this (kind, registration, occasion), whatever retries happen
        (``occasion``: what makes a message of the same kind another one, e.g. the change's seq)."""
        locale = "en" if registration.get("locale") == "en" else "ja"
        subject, text, page = self.render(kind, registration, event, hub=hub, locale=locale)
        message_id = f"ev_{kind}_{registration['_id']}" + (f"_{occasion}" if occasion else "")
        if registration.get("user_id"):
            content = {
                loc: {"title": self.render(kind, registration, event, hub=hub, locale=loc)[0],
                      "body": self.render(kind, registration, event, hub=hub, locale=loc)[1]}
                for loc in ("ja", "en")
            }  # fmt: skip
            await self._notify.notify(
                cause_id=message_id,
                kind=_NOTICE_KIND.get(kind, f"event.{kind}"),
                user_ids=[registration["user_id"]],
                data={"event_id": event["_id"], "title": event["title"]},
                content=content,
                link=f"/events/{event['_id']}",
            )
            return
        if registration.get("line_user_id"):
            body = text.split("\n\n-- \n")[0]  # without the e-mail's signature
            await self._mail.send_line(
                delivery_id=f"{message_id}_line", to=registration["line_user_id"], locale=locale,
                text=f"{subject}\n\n{body}",
            )  # fmt: skip
        if registration.get("email"):
            await self._mail.send(
                delivery_id=message_id,
                to=registration["email"],
                locale=locale,
                subject=subject,
                text=text,
                html=page,
            )

    def cancel_link(self, registration: Doc) -> str:
        return (
            f"{self._public_url}/events/{quote(registration['event_id'])}"
            f"?registration={quote(registration['_id'])}&code={quote(registration['code'])}"
        )

    def render(
        self, kind: Kind, registration: Doc, event: Doc, *, hub: Doc, locale: str
    ) -> tuple[str, str, str]:
        """→ subject, plain text, HTML (every value escaped: names are what people typed)."""
        subject = f"{_SUBJECT[kind][locale]}: {event['title']}"
        lead = _LEAD[kind][locale].format(
            name=registration.get("name") or "", title=event["title"], party=registration["party_size"]
        )
        when = _WHEN[locale].format(when=_when(event, hub, locale), hub=hub.get("name") or event["hub_id"])
        parts = [lead, when]
        if event.get("online_url"):
            parts.append(("オンライン: " if locale == "ja" else "Online: ") + event["online_url"])
        link = ""
        if kind in _WITH_CODE:
            parts.append(_CODE[locale].format(code=registration["code"]))
            link = self.cancel_link(registration)
            parts.append(_CANCEL[locale].format(link=link))
        text = "\n\n".join(parts) + f"\n\n-- \n{_FOOTER[locale]}\n"
        paragraphs = "".join(f"<p>{html.escape(part).replace(chr(10), '<br>')}</p>" for part in parts if part)
        if link:
            paragraphs += f'<p><a href="{html.escape(link, quote=True)}">{html.escape(link)}</a></p>'
        page = (
            f'<!doctype html><html lang="{locale}"><head><meta charset="utf-8">'
            f"<title>{html.escape(subject)}</title></head>"
            f'<body style="font-family:sans-serif;line-height:1.6">'
            f'<h1 style="font-size:1.25em">{html.escape(subject)}</h1>{paragraphs}'
            f'<hr><p style="font-size:.85em;color:#555">{html.escape(_FOOTER[locale])}</p></body></html>'
        )
        return subject, text, page


def _when(event: Doc, hub: Doc, locale: str) -> str:
    zone = ZoneInfo(hub.get("timezone") or "Asia/Tokyo")
    start: datetime = event["starts_at"].astimezone(zone)
    end: datetime = event["ends_at"].astimezone(zone)
    if locale == "ja":
        return f"{start:%Y年%m月%d日 %H:%M}〜{end:%H:%M}"
    return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"
