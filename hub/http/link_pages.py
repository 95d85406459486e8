"""The small bilingual HTML pages behind an e-mail's link (unsubscribe and the like), outside the app
shell: a heading, the sentence in Japanese and in English, and at most one button that POSTs.

GET never changes anything behind such a link (mail scanners follow links); the button POSTs the
body a mail client sends for RFC 8058's one-click unsubscribe, so one handler serves both."""

from __future__ import annotations

from html import escape

from aiohttp import web

_PAGE = """<!doctype html><html lang="ja"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>{title}</title></head>
<body><main><h1>{title}</h1><p lang="ja">{ja}</p><p lang="en">{en}</p>{form}</main></body></html>"""


def link_page(*, title: str, ja: str, en: str, post_to: str | None = None, button: str = "") -> web.Response:
    """The page; with ``post_to``, a ``button`` that POSTs ``List-Unsubscribe=One-Click`` there."""
    form = (
        f'<form method="post" action="{escape(post_to, quote=True)}"><input type="hidden" '
        f'name="List-Unsubscribe" value="One-Click"><button type="submit">{escape(button)}</button></form>'
        if post_to is not None
        else ""
    )
    html = _PAGE.format(title=escape(title), ja=escape(ja), en=escape(en), form=form)
    return web.Response(text=html, content_type="text/html")
