"""The public archive: announcements marked ``public``, for anyone, without signing in.

``page`` lists them newest first (a cursor for more, a topic to filter by), ``one`` reads one
(with ``reading``: its furigana segments, hub/residents/readings.py), and ``atom`` is the feed
(RFC 4287) built with an XML library, so the text is always escaped, never markup.
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from xml.etree import ElementTree

from pymongo import DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from hub.announcements.model import ANNOUNCEMENTS
from hub.clock import Clock
from hub.doc import Doc
from hub.errors import InvalidRequest, NotFound
from hub.limits import ATOM_ENTRIES
from hub.notifications.times import at
from hub.residents import readings
from schemas.residents import PublicAnnouncementOut, PublicPage

_ATOM = "http://www.w3.org/2005/Atom"
_VISIBLE: Doc = {"public": True, "status": {"$in": ["publishing", "published"]}}


def _out(doc: Doc, *, reading: bool = False) -> PublicAnnouncementOut:
    out = PublicAnnouncementOut(
        id=doc["_id"],
        title=doc["title"],
        body=doc["body"],
        title_en=doc.get("title_en"),
        body_en=doc.get("body_en"),
        priority=doc["priority"],
        topics=list((doc.get("audience") or {}).get("topics") or []),
        published_at=at(doc["published_at_ms"]) or doc["created_at"],
        expires_at=doc.get("expires_at"),
    )
    if reading:
        out.reading = {"title": readings.segments(doc["title"]), "body": readings.segments(doc["body"])}
    return out


def _cursor(doc: Doc) -> str:
    return base64.urlsafe_b64encode(f"{doc['published_at_ms']}:{doc['_id']}".encode()).decode()


def _after(cursor: str) -> Doc:
    try:
        stamp, _, last_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        published = int(stamp)
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise InvalidRequest(
            "the cursor is not one this archive gave",
            details={"fields": [{"path": "cursor", "message": "not a cursor of this archive"}]},
        ) from error
    return {
        "$or": [
            {"published_at_ms": {"$lt": published}},
            {"published_at_ms": published, "_id": {"$lt": last_id}},
        ]
    }


class PublicAnnouncements:
    def __init__(self, db: AsyncDatabase[Doc], *, clock: Clock) -> None:
        self._announcements = db[ANNOUNCEMENTS]
        self._clock = clock

    async def page(self, *, topic: str | None, cursor: str | None, limit: int) -> PublicPage:
        query: Doc = dict(_VISIBLE)
        if topic is not None:
            query["audience.topics"] = topic
        if cursor:
            query.update(_after(cursor))
        docs = (
            await self._announcements.find(query)
            .sort([("published_at_ms", DESCENDING), ("_id", DESCENDING)])
            .limit(limit + 1)
            .to_list()
        )
        more = len(docs) > limit
        docs = docs[:limit]
        return PublicPage(
            items=[_out(d) for d in docs], next_cursor=_cursor(docs[-1]) if more and docs else None
        )

    async def one(self, announcement_id: str, *, reading: bool) -> PublicAnnouncementOut:
        doc = await self._announcements.find_one({"_id": announcement_id, **_VISIBLE})
        if doc is None:
            raise NotFound("no such public announcement")
        return _out(doc, reading=reading)

    async def atom(self, *, base_url: str, title: str) -> bytes:
        """The newest public announcements as an Atom 1.0 feed."""
        page = await self.page(topic=None, cursor=None, limit=ATOM_ENTRIES)
        base = base_url.rstrip("/")
        ElementTree.register_namespace("", _ATOM)

        def child(
            parent: ElementTree.Element, tag: str, text: str | None = None, **attrs: str
        ) -> ElementTree.Element:
            node = ElementTree.SubElement(parent, f"{{{_ATOM}}}{tag}", attrs)
            if text is not None:
                node.text = text
            return node

        feed = ElementTree.Element(f"{{{_ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "ja"})
        child(feed, "id", f"{base}/news")
        child(feed, "title", title)
        newest = page.items[0].published_at if page.items else datetime(2026, 1, 1, tzinfo=UTC)
        child(feed, "updated", _stamp(newest))
        child(feed, "link", href=f"{base}/news.atom", rel="self", type="application/atom+xml")
        child(feed, "link", href=f"{base}/news", rel="alternate", type="text/html")
        author = child(feed, "author")
        child(author, "name", title)
        for item in page.items:
            entry = child(feed, "entry")
            child(entry, "id", f"{base}/news/{item.id}")
            child(entry, "title", item.title, type="text")
            child(entry, "updated", _stamp(item.published_at))
            child(entry, "published", _stamp(item.published_at))
            child(entry, "link", href=f"{base}/news/{item.id}", rel="alternate", type="text/html")
            child(entry, "content", item.body, type="text")
            for key in item.topics:
                child(entry, "category", term=key)
        xml: bytes = ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)
        return xml


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
