"""What a notification says, in the recipient's locale: the in-app title and body, the e-mail and
the LINE text. Pure functions of the cause; no I/O.

Announcements bring their own text (Japanese, optionally English); the other causes are phrased
here from their data. Text is never interpreted as HTML: the HTML part of an e-mail escapes it.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from hub.doc import Doc
from schemas.identity import Locale

# LINE Messaging API: a text message holds at most 5,000 characters counted in UTF-16 code units.
LINE_TEXT_MAX_UTF16 = 5_000

_URGENT = {"ja": "【至急】", "en": "[Urgent] "}
_REMINDER = {"ja": "【再通知・未確認】", "en": "[Reminder, not yet acknowledged] "}
_OPEN = {"ja": "Dejima で開く", "en": "Open in Dejima"}
_FOOTER = {
    "ja": "このメールは Dejima（磐梯町 DX 推進室）から送られました。",
    "en": "This e-mail was sent by Dejima (Bandai town DX office).",
}
_UNSUBSCRIBE = {"ja": "メール通知を止める", "en": "Stop e-mail notifications"}
# Residents have no account: the words speak of the town's news page and of their subscription.
_RESIDENT_OPEN = {"ja": "町のお知らせページで読む", "en": "Read it on the town's news page"}
_RESIDENT_FOOTER = {
    "ja": "磐梯町のお知らせ（Dejima）にご登録のため、このメールをお送りしています。",
    "en": "You receive this because you subscribed to Bandai town's notices (Dejima).",
}
_RESIDENT_UNSUBSCRIBE = {"ja": "配信を停止する", "en": "Unsubscribe"}


@dataclass(frozen=True, slots=True)
class Text:
    title: str
    body: str
    locale: Locale


@dataclass(frozen=True, slots=True)
class Email:
    subject: str
    text: str
    html: str


def render(cause: Doc, locale: Locale) -> Text:
    """The title and body of ``cause`` for a reader of ``locale`` (Japanese when no English given)."""
    kind = cause["kind"]
    content = cause.get("content")
    if content:
        chosen: Locale = locale if content.get(locale) else "ja"
        text = content[chosen]
        title = text["title"]
        if kind == "announcement.reminder":
            title = _REMINDER[chosen] + title
        return Text(title=title, body=text["body"], locale=chosen)
    data = cause.get("data") or {}
    return _phrase(kind, data, locale)


# What followers of a card are told, and the due reminders: (Japanese, English) titles.
_FOLLOWED = {
    "card.commented": ("フォロー中のカードにコメントがありました", "New comment on a card you follow"),
    "card.moved": ("フォロー中のカードが移動しました", "A card you follow moved to another column"),
    "card.due_changed": ("フォロー中のカードの期限が変わりました", "A card you follow has a new due date"),
    "card.archived": ("フォロー中のカードがアーカイブされました", "A card you follow was archived"),
    "card.due_soon": ("カードの期限が近づいています", "A card is due soon"),
    "card.overdue": ("カードの期限が過ぎました", "A card is overdue"),
}


def _phrase(kind: str, data: Doc, locale: Locale) -> Text:
    ja = locale == "ja"
    card = str(data.get("card_title") or data.get("title") or "")
    actor = data.get("by")
    by = str((actor.get("name") if isinstance(actor, dict) else actor) or data.get("by_name") or "")
    if kind == "card.assigned":
        title = "カードの担当になりました" if ja else "You were assigned to a card"
        body = f"「{card}」" if ja else f"“{card}”"
        if by:
            body += f"（{by} さんより）" if ja else f" by {by}"
        return Text(title=title, body=body, locale=locale)
    if kind in ("comment.mention", "card.mentioned"):
        title = "コメントで名前が挙がりました" if ja else "You were mentioned in a comment"
        excerpt = str(data.get("excerpt") or data.get("body") or "")[:500]
        where = f"「{card}」" if ja else f"“{card}”"
        lead = f"{by} さん: " if ja and by else (f"{by}: " if by else "")
        return Text(title=title, body=f"{where}\n{lead}{excerpt}".strip(), locale=locale)
    if kind in _FOLLOWED:
        ja_title, en_title = _FOLLOWED[kind]
        where = f"「{card}」" if ja else f"“{card}”"
        due = str(data.get("due") or "")
        if kind in ("card.due_changed", "card.due_soon", "card.overdue") and due:
            where += f"（期限 {due}）" if ja else f" (due {due})"
        if by and kind not in ("card.due_soon", "card.overdue"):
            where += f" {by} さん" if ja else f" by {by}"
        excerpt = str(data.get("excerpt") or "")[:500]
        body = f"{where}\n{excerpt}".strip() if excerpt else where
        return Text(title=ja_title if ja else en_title, body=body, locale=locale)
    if kind == "join_request.created":
        project = str(data.get("project_title") or "")
        title = "参加申請が届きました" if ja else "Someone asks to join your project"
        body = (
            f"{by} さんが、プロジェクト「{project}」への参加を申し込みました。"
            if ja
            else f"{by} asks to join the project “{project}”."
        )
        excerpt = str(data.get("excerpt") or "")
        return Text(title=title, body=f"{body}\n{excerpt}".strip(), locale=locale)
    if kind == "join_request.decided":
        project = str(data.get("project_title") or "")
        approved = data.get("status") == "approved"
        if ja:
            title = "参加申請が承認されました" if approved else "参加申請は見送られました"
            body = f"プロジェクト「{project}」"
        else:
            title = "Your join request was approved" if approved else "Your join request was declined"
            body = f"Project “{project}”"
        return Text(title=title, body=body, locale=locale)
    if kind == "line.linked":
        title = "LINE と連携しました" if ja else "LINE is linked"
        body = (
            "これから Dejima のお知らせが LINE にも届きます。"
            if ja
            else "Dejima notices will now reach you on LINE as well."
        )
        return Text(title=title, body=body, locale=locale)
    title = "お知らせ" if ja else "Notice"
    return Text(title=title, body=str(data.get("body") or ""), locale=locale)


def headline(text: Text, *, urgent: bool) -> str:
    return (_URGENT[text.locale] if urgent else "") + text.title


def email(
    text: Text, *, urgent: bool, link: str | None, unsubscribe_url: str, resident: bool = False
) -> Email:
    """The message of ``text``; ``link`` (none: nothing to open, e.g. a notice residents cannot read
    on the web) and the footer in the words of a user's notification or a resident's newsletter."""
    subject = headline(text, urgent=urgent)
    words_open, footer, stop = (
        (_RESIDENT_OPEN, _RESIDENT_FOOTER, _RESIDENT_UNSUBSCRIBE)
        if resident
        else (_OPEN, _FOOTER, _UNSUBSCRIBE)
    )
    locale = text.locale
    opening = f"{words_open[locale]}: {link}\n\n" if link else ""
    plain = f"{text.body}\n\n{opening}-- \n{footer[locale]}\n{stop[locale]}: {unsubscribe_url}\n"
    paragraphs = "".join(
        f"<p>{html.escape(part).replace(chr(10), '<br>')}</p>" for part in text.body.split("\n\n") if part
    )
    open_link = (
        f'<p><a href="{html.escape(link, quote=True)}">{html.escape(words_open[locale])}</a></p>'
        if link
        else ""
    )
    page = (
        f'<!doctype html><html lang="{locale}"><head><meta charset="utf-8">'
        f"<title>{html.escape(subject)}</title></head>"
        f'<body style="font-family:sans-serif;line-height:1.6">'
        f'<h1 style="font-size:1.25em">{html.escape(subject)}</h1>{paragraphs}{open_link}'
        f'<hr><p style="font-size:.85em;color:#555">{html.escape(footer[locale])}<br>'
        f'<a href="{html.escape(unsubscribe_url, quote=True)}">{html.escape(stop[locale])}</a>'
        f"</p></body></html>"
    )
    return Email(subject=subject, text=plain, html=page)


def line_text(text: Text, *, urgent: bool, link: str | None) -> str:
    tail = f"\n\n{link}" if link else ""
    head = headline(text, urgent=urgent) + "\n\n"
    room = LINE_TEXT_MAX_UTF16 - utf16_units(head) - utf16_units(tail)
    return head + truncate_utf16(text.body, room) + tail


def utf16_units(value: str) -> int:
    return len(value.encode("utf-16-le")) // 2


def truncate_utf16(value: str, limit: int) -> str:
    """``value`` cut to at most ``limit`` UTF-16 units, never inside a surrogate pair, with "…"."""
    if utf16_units(value) <= limit:
        return value
    kept: list[str] = []
    used = 0
    for char in value:
        units = 2 if ord(char) > 0xFFFF else 1
        if used + units > limit - 1:
            break
        kept.append(char)
        used += units
    return "".join(kept) + "…"
