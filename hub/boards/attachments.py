"""Files attached to cards, stored in MongoDB with GridFS (API.md 1.1, "Cards: attachments").

The bytes live in the GridFS bucket ``attachments`` (so ``mongodump`` backs them up with everything
else); the card holds each attachment's metadata (``attachments``, newest first), changed like any
other field of the card: one ``card.updated`` event of its board with the whole card.

Nothing is held whole in memory: an upload is written chunk by chunk as it arrives (counted, and
refused with 413 once it passes the limit), a download is read chunk by chunk as it is sent.

Crash safety, without transactions: the bytes are written first, the card names them second. Before
its first chunk an upload leaves a mark in ``attachment_marks``; the mark goes when the card names
the file (or the upload gave up and removed its chunks). A deletion marks the file too, commits the
card without it, then removes the chunks. A process that dies anywhere in between leaves a mark, and
``sweep`` removes the bytes of every old mark whose file no card names. A card never names a file
whose upload did not finish, so a killed upload shows no half file.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

from pymongo.asynchronous.database import AsyncDatabase

from hub.boards import model
from hub.boards.blobs import Blobs, Stored
from hub.boards.cards import card_change
from hub.boards.model import ATTACHMENT_BUCKET, ATTACHMENT_MARKS, CARD_PARTS
from hub.boards.service import BoardService, check_not_archived
from hub.boards.store import BoardStore
from hub.doc import Doc
from hub.errors import Conflict, DomainError, Forbidden, NotFound, PayloadTooLarge
from hub.events.log import Decision, made
from hub.ids import new_id
from hub.limits import ATTACHMENT_CHUNK_BYTES, MAX_ATTACHMENTS_PER_CARD
from hub.principal import Principal
from hub.rights import Rights
from schemas.boards import AttachmentOut
from schemas.common import utc_now
from schemas.events import Delete, Put

log = logging.getLogger(__name__)

# The only types a browser is let to show in Dejima's origin: raster images, which cannot run script.
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
# Stored types are what the client declared, bounded and without parameters.
_MAX_TYPE_CHARS = 100
_MAX_NAME_CHARS = 255
# A mark of an upload in progress is renewed this often, so the sweeper never takes a slow upload
# for a dead one (the sweeper waits ATTACHMENT_ORPHAN_AGE_S, far longer).
_MARK_RENEW_S = 60.0


@dataclass(frozen=True)
class Download:
    """An attachment ready to be sent: its metadata, and where its bytes are."""

    attachment: AttachmentOut
    stored: Stored

    def read(self, blobs: Blobs, *, first: int, last: int) -> AsyncIterator[bytes]:
        return blobs.read(self.attachment.id, self.stored, first=first, last=last)


def clean_type(declared: str | None) -> str:
    """The declared content type as stored: lower case, no parameters, bounded; else octet-stream."""
    value = (declared or "").split(";", 1)[0].strip().lower()
    if not value or "/" not in value or len(value) > _MAX_TYPE_CHARS or not value.isascii():
        return "application/octet-stream"
    return value


def clean_name(name: str | None) -> str:
    """The file's name as shown and offered on download: its last path segment, one line, bounded."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(char for char in base if char.isprintable()).strip()
    return base[:_MAX_NAME_CHARS] or "file"


class AttachmentService:
    def __init__(
        self,
        db: AsyncDatabase[Doc],
        *,
        boards: BoardService,
        store: BoardStore,
        rights: Rights,
        max_bytes: int,
    ) -> None:
        self._boards = boards
        self._store = store
        self._rights = rights
        self.max_bytes = max_bytes
        self._marks = db[ATTACHMENT_MARKS]
        # GridFS files, one chunk at a time (hub/boards/blobs.py says why not PyMongo's bucket I/O).
        self.blobs = Blobs(db, bucket=ATTACHMENT_BUCKET, chunk_size=ATTACHMENT_CHUNK_BYTES)

    async def ensure_indexes(self) -> None:
        await self.blobs.ensure_indexes()

    # --- upload -----------------------------------------------------------------------------------

    async def check_upload(self, principal: Principal, card_id: str) -> None:
        """Refuse an upload before its body is read: rights, an archived card, a full card."""
        card = await self._boards.card_for_change(principal, card_id)
        check_not_archived(card)
        _check_room(card)

    async def upload(
        self,
        principal: Principal,
        card_id: str,
        *,
        name: str | None,
        content_type: str | None,
        chunks: AsyncIterator[bytes | memoryview],
    ) -> AttachmentOut:
        card = await self._boards.card_for_change(principal, card_id)
        board_id = card["board_id"]
        attachment_id = new_id()
        await self._marks.insert_one(
            {"_id": attachment_id, "card_id": card_id, "kind": "upload", "since": utc_now()}
        )
        stored_type = clean_type(content_type)
        file_name = clean_name(name)
        try:
            size, sha256 = await self._write(attachment_id, file_name, chunks, card_id=card_id)
        except BaseException:
            # A refused, broken or cancelled upload: its chunks go now (the sweeper if this fails).
            await self._forget(attachment_id)
            raise
        attachment = {
            "id": attachment_id,
            "name": file_name,
            "content_type": stored_type,
            "size": size,
            "sha256": sha256,
            "created_at": model.stamp(),
            "created_by": principal.id,
        }

        async def decide() -> Decision:
            current = await self._store.live_card(card_id)
            check_not_archived(current)
            _check_room(current)
            doc = {
                **model.stored(current),
                "attachments": [attachment, *current.get("attachments", [])],
                "version": current["version"] + 1,
                "updated_at": model.stamp(),
            }
            change = card_change("card.updated", current, doc, principal)
            change.ops.append(
                Put(collection=CARD_PARTS, doc=model.part(attachment_id, current, "attachment"))
            )
            return change

        try:
            made(await self._boards.commit(board_id, decide, principal))
        except DomainError:
            # Refused by decide (archived, full, gone meanwhile): nothing was logged.
            await self._forget(attachment_id)
            raise
        # Any other failure may come after the event was logged (its publish, say): the mark stays,
        # and the sweeper removes the bytes later only if no card names them by then.
        await self._marks.delete_one({"_id": attachment_id})
        return AttachmentOut.model_validate(attachment)

    async def _write(
        self, attachment_id: str, name: str, chunks: AsyncIterator[bytes | memoryview], *, card_id: str
    ) -> tuple[int, str]:
        """Stream the body into GridFS, counting: → its size and sha256 (413 past the limit)."""
        digest = hashlib.sha256()
        size = 0
        renewed = time.monotonic()
        # On any failure the caller removes what was written (``_forget``).
        stream = self.blobs.writer(attachment_id, name=name, metadata={"card_id": card_id})
        async for chunk in chunks:
            size += len(chunk)
            if size > self.max_bytes:
                raise PayloadTooLarge(
                    f"an attachment is at most {self.max_bytes} bytes",
                    details={"limit": "attachment_bytes", "max": self.max_bytes},
                )
            digest.update(chunk)
            await stream.write(chunk)
            if time.monotonic() - renewed > _MARK_RENEW_S:
                renewed = time.monotonic()
                await self._marks.update_one({"_id": attachment_id}, {"$set": {"since": utc_now()}})
        await stream.close()
        return size, digest.hexdigest()

    async def _forget(self, attachment_id: str) -> None:
        """Remove a file no card names (its chunks, its files document, its mark), best effort: what
        is left the sweeper removes."""
        try:
            await self._delete_bytes(attachment_id)
            await self._marks.delete_one({"_id": attachment_id})
        except Exception:
            log.warning("attachment %s: left for the sweeper", attachment_id, exc_info=True)

    async def _delete_bytes(self, attachment_id: str) -> None:
        await self.blobs.delete(attachment_id)

    # --- download ---------------------------------------------------------------------------------

    async def open(self, principal: Principal, attachment_id: str) -> Download:
        """The attachment, when the caller may read its card's board and the card names it (else
        ``NotFound``: a file being uploaded or deleted is nobody's yet)."""
        _, attachment = await self._find(principal, attachment_id)
        stored = await self.blobs.stat(attachment_id)
        if stored is None:
            raise NotFound("no such attachment")
        return Download(attachment=AttachmentOut.model_validate(attachment), stored=stored)

    async def _find(self, principal: Principal, attachment_id: str) -> tuple[Doc, Doc]:
        found = await self._store.card_part(attachment_id, "attachment")
        if found is None:
            raise NotFound("no such attachment")
        try:
            card = await self._boards.card_for_reading(principal, found["card_id"])
        except NotFound:
            raise NotFound("no such attachment") from None
        for attachment in card.get("attachments", []):
            if attachment["id"] == attachment_id:
                return card, attachment
        raise NotFound("no such attachment")

    # --- delete -----------------------------------------------------------------------------------

    async def delete(self, principal: Principal, attachment_id: str) -> None:
        card, attachment = await self._find(principal, attachment_id)
        board_id = card["board_id"]
        access = await self._boards.access(board_id)
        if not self._rights.may_delete_attachment(principal, access, uploader_id=attachment["created_by"]):
            raise Forbidden("only its uploader, the project's owners and admins may delete an attachment")
        await self._marks.update_one(
            {"_id": attachment_id},
            {"$set": {"card_id": card["_id"], "kind": "delete", "since": utc_now()}},
            upsert=True,
        )

        async def decide() -> Decision:
            current = await self._store.live_card(card["_id"])
            check_not_archived(current)
            kept = [other for other in current.get("attachments", []) if other["id"] != attachment_id]
            if len(kept) == len(current.get("attachments", [])):
                raise NotFound("no such attachment")
            doc = {
                **model.stored(current),
                "attachments": kept,
                "version": current["version"] + 1,
                "updated_at": model.stamp(),
            }
            change = card_change("card.updated", current, doc, principal)
            change.ops.append(Delete(collection=CARD_PARTS, id=attachment_id))
            return change

        try:
            made(await self._boards.commit(board_id, decide, principal))
        except DomainError:
            # Refused (archived meanwhile, deleted already): the file stays, and so need not its mark.
            await self._marks.delete_one({"_id": attachment_id, "kind": "delete"})
            raise
        # Retention of a deleted attachment is immediate: its chunks go now (the sweeper if we die).
        await self._forget(attachment_id)

    # --- the sweeper ------------------------------------------------------------------------------

    async def sweep(self, *, older_than_s: float) -> int:
        """Remove the bytes of uploads and deletions whose process died; → how many files went."""
        cutoff = utc_now() - timedelta(seconds=older_than_s)
        removed = 0
        async for mark in self._marks.find({"since": {"$lte": cutoff}}):
            attachment_id = mark["_id"]
            if await self._store.card_part(attachment_id, "attachment") is None:  # no card names it
                await self._delete_bytes(attachment_id)
                removed += 1
            await self._marks.delete_one({"_id": attachment_id, "since": mark["since"]})
        if removed:
            log.info("attachments: swept %d files no card names", removed)
        return removed


def _check_room(card: Doc) -> None:
    if len(card.get("attachments", [])) >= MAX_ATTACHMENTS_PER_CARD:
        raise Conflict(
            f"a card holds at most {MAX_ATTACHMENTS_PER_CARD} attachments",
            details={"limit": "attachments_per_card", "max": MAX_ATTACHMENTS_PER_CARD},
        )
