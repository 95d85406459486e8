"""The public archive over HTTP (API.md, Reaching residents): JSON, the Atom feed and the pages,
all without signing in."""

from __future__ import annotations

from aiohttp import web

from hub import keys
from hub.http.bodies import query_model
from hub.http.openapi import api
from hub.http.responses import json_response
from hub.web.shell import add_page
from schemas.residents import PublicAnnouncementOut, PublicOneQuery, PublicPage, PublicQuery

routes = web.RouteTableDef()
_TAGS = ["public"]
_FEED_TITLE = "町のお知らせ"


def add_pages(app: web.Application) -> None:
    """/news and /news/{id}: the archive for anyone; /news/confirm: a subscription's confirmation."""
    add_page(app, path="/news", name="news", title_key="news.title", auth=False)
    add_page(app, path="/news/confirm", name="news_confirm", title_key="news.confirm_title", auth=False)
    add_page(app, path="/news/{id}", name="news_item", title_key="news.title", auth=False)


@routes.get("/api/public/announcements")
@api(
    summary="Public announcements, newest first (?topic=, ?cursor= from next_cursor)",
    query=PublicQuery,
    response=PublicPage,
    auth=False,
    tags=_TAGS,
)
async def public_list(request: web.Request) -> web.Response:
    query = query_model(request, PublicQuery)
    public = request.app[keys.SERVICES].announcements.public
    return json_response(await public.page(topic=query.topic, cursor=query.cursor, limit=query.limit))


@routes.get("/api/public/announcements/{id}")
@api(
    summary="One public announcement (?reading=1 adds its furigana segments)",
    query=PublicOneQuery,
    response=PublicAnnouncementOut,
    auth=False,
    errors=(404,),
    tags=_TAGS,
)
async def public_one(request: web.Request) -> web.Response:
    query = query_model(request, PublicOneQuery)
    public = request.app[keys.SERVICES].announcements.public
    return json_response(await public.one(request.match_info["id"], reading=query.reading))


@routes.get("/news.atom")
@api(
    summary="The public announcements as an Atom feed (RFC 4287)",
    media_type="application/atom+xml",
    auth=False,
    tags=_TAGS,
)
async def atom_feed(request: web.Request) -> web.Response:
    services = request.app[keys.SERVICES]
    body = await services.announcements.public.atom(base_url=services.settings.public_url, title=_FEED_TITLE)
    return web.Response(body=body, content_type="application/atom+xml", charset="utf-8")
