"""HTTP views of what a card holds (API.md 1.1, "Cards: checklists, attachments"): checklist items and
attached files. Parse, ask the service, answer; the one thing done here is the streaming itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncGenerator, Iterator
from urllib.parse import quote

from aiohttp import BodyPartReader, ClientPayloadError, hdrs, web
from aiohttp.helpers import parse_mimetype

from hub import keys
from hub.boards.attachments import INLINE_TYPES, AttachmentService
from hub.boards.checklists import ChecklistService
from hub.errors import MalformedRequest, PayloadTooLarge
from hub.http.auth import require_principal
from hub.http.bodies import parse_body
from hub.http.openapi import api
from hub.http.responses import json_response
from hub.limits import ATTACHMENT_ENVELOPE_BYTES
from schemas.boards import (
    AttachmentOut,
    AttachmentUpload,
    ChecklistItemCreate,
    ChecklistItemOut,
    ChecklistItemPatch,
)

routes = web.RouteTableDef()

# The most read from the request at a time while an upload streams into GridFS (aiohttp's own
# buffer of the body comes on top, bounded by its flow control).
_READ_BYTES = 64 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _checklists(request: web.Request) -> ChecklistService:
    return request.app[keys.SERVICES].boards.checklists


def _attachments(request: web.Request) -> AttachmentService:
    return request.app[keys.SERVICES].boards.attachments


# --- checklists -----------------------------------------------------------------------------------


@routes.post("/api/cards/{card_id}/checklist")
@api(
    summary="Add a checklist item (after an item; null: at the top; absent: at the end)",
    body=ChecklistItemCreate,
    response=ChecklistItemOut,
    status=201,
    errors=(403, 404, 409),
    tags=["boards"],
)
async def add_checklist_item(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    body = await parse_body(request, ChecklistItemCreate)
    item = await _checklists(request).add_item(principal, request.match_info["card_id"], body)
    return json_response(item, status=201)


@routes.patch("/api/checklist-items/{item_id}")
@api(
    summary="Edit, tick or move a checklist item (after: an item of the same card; null: the top)",
    body=ChecklistItemPatch,
    response=ChecklistItemOut,
    errors=(403, 404, 409),
    tags=["boards"],
)
async def patch_checklist_item(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    body = await parse_body(request, ChecklistItemPatch)
    return json_response(
        await _checklists(request).patch_item(principal, request.match_info["item_id"], body)
    )


@routes.delete("/api/checklist-items/{item_id}")
@api(summary="Delete a checklist item", status=204, errors=(403, 404, 409), tags=["boards"])
async def delete_checklist_item(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    await _checklists(request).delete_item(principal, request.match_info["item_id"])
    return web.Response(status=204)


# --- attachments ----------------------------------------------------------------------------------


@routes.post("/api/cards/{card_id}/attachments")
@api(
    summary="Attach a file: multipart/form-data with one part named file (too large: 413)",
    description="The body is `multipart/form-data` with one part named `file`; larger than "
    "DEJIMA_ATTACHMENT_MAX_BYTES answers 413 before the body is read.",
    body=AttachmentUpload,
    body_media_type="multipart/form-data",
    response=AttachmentOut,
    status=201,
    errors=(400, 403, 404, 409, 413),
    tags=["boards"],
)
async def upload_attachment(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    service = _attachments(request)
    card_id = request.match_info["card_id"]
    await service.check_upload(principal, card_id)
    # Refused before a byte of the body is read when its announced length says it is too large;
    # a body without a length (chunked) is counted as it streams (AttachmentService._write).
    length = request.content_length
    if length is not None and length > service.max_bytes + ATTACHMENT_ENVELOPE_BYTES:
        raise PayloadTooLarge(
            f"an attachment is at most {service.max_bytes} bytes",
            details={"limit": "attachment_bytes", "max": service.max_bytes},
        )
    if request.content_type != "multipart/form-data":
        raise MalformedRequest("send the file as multipart/form-data with one part named file")
    try:
        reader = await request.multipart()
        part = await reader.next()
    except (ValueError, AssertionError) as error:
        raise MalformedRequest(f"unreadable multipart body: {error}") from None
    if not isinstance(part, BodyPartReader) or part.name != "file":
        raise MalformedRequest("the first part of the body must be the one named file")
    # aiohttp read the part's headers; its bytes are read here, without its reader's copies.
    boundary = parse_mimetype(request.headers[hdrs.CONTENT_TYPE]).parameters["boundary"]
    body = _file_bytes(request, boundary)
    try:
        attachment = await service.upload(
            principal,
            card_id,
            name=part.filename,
            content_type=part.headers.get(hdrs.CONTENT_TYPE),
            chunks=body,
        )
    finally:
        # A refused upload stops mid-body: reading is resumed, so aiohttp can answer and drain.
        await body.aclose()
    return json_response(attachment, status=201)


async def _file_bytes(request: web.Request, boundary: str) -> AsyncGenerator[bytes | memoryview, None]:
    """The bytes of the part whose headers were just read, up to its closing delimiter, as they arrive
    (views of what aiohttp read, not copies). Nothing is read while the consumer stores what it was
    given: the socket is paused, so the client waits rather than the hub buffering more of the body."""
    content = request.content
    delimiter = b"\r\n--" + boundary.encode()  # as aiohttp matches it
    # The end of what was read, which may be the start of the delimiter.
    keep = len(delimiter) - 1
    held = b""
    while True:
        try:
            piece = await content.read(_READ_BYTES)
        except ValueError as error:
            raise MalformedRequest(f"unreadable multipart body: {error}") from None
        except (ConnectionError, ClientPayloadError, asyncio.IncompleteReadError):
            # The client went away mid-upload: what was written is removed (AttachmentService).
            raise MalformedRequest("the upload was cut off before its end") from None
        if not piece:
            raise MalformedRequest("the upload was cut off before its end")
        # A delimiter that starts in ``held`` (it cannot fit in piece[:keep] alone).
        seam = held + piece[:keep]
        end = seam.find(delimiter)
        if end >= 0:
            yield seam[:end]
            return
        end = piece.find(delimiter)
        if end >= 0:
            yield held
            yield memoryview(piece)[:end]
            return
        # All but the last ``keep`` bytes are the file's: no delimiter starts before them.
        if len(piece) >= keep:
            out: list[bytes | memoryview] = [held, memoryview(piece)[: len(piece) - keep]]
            held = piece[len(piece) - keep :]
        else:
            seam = held + piece
            out = [seam[: max(0, len(seam) - keep)]]
            held = seam[len(out[0]) :]
        with _not_reading(request.transport):
            for given in out:
                if given:
                    yield given


@contextlib.contextmanager
def _not_reading(transport: asyncio.Transport | None) -> Iterator[None]:
    """The socket paused, unless aiohttp's own flow control paused it already (it resumes that
    itself, when its buffer is read)."""
    if transport is None or not transport.is_reading():
        yield
        return
    transport.pause_reading()
    try:
        yield
    finally:
        if not transport.is_closing():
            transport.resume_reading()


@routes.get("/api/attachments/{attachment_id}")
@api(
    summary="An attachment's bytes as uploaded (single Range: 206); only raster images inline",
    media_type="application/octet-stream",
    errors=(404, 416),
    tags=["boards"],
)
async def download_attachment(request: web.Request) -> web.StreamResponse:
    principal = await require_principal(request)
    download = await _attachments(request).open(principal, request.match_info["attachment_id"])
    attachment = download.attachment
    size = attachment.size
    headers = _safety_headers(attachment)
    wanted = _range(request.headers.get(hdrs.RANGE), size)
    if isinstance(wanted, str):
        headers[hdrs.CONTENT_RANGE] = f"bytes */{size}"
        return web.Response(status=416, headers=headers)
    start, end = wanted if wanted is not None else (0, size - 1)
    response = web.StreamResponse(status=200 if wanted is None else 206, headers=headers)
    if wanted is not None:
        response.headers[hdrs.CONTENT_RANGE] = f"bytes {start}-{end}/{size}"
    response.content_length = end - start + 1
    await response.prepare(request)
    if request.method == hdrs.METH_HEAD:
        return response
    # Chunk by chunk: the hub holds about one GridFS chunk of the file at a time, whatever its size.
    async for data in download.read(_attachments(request).blobs, first=start, last=end):
        await response.write(data)
    await response.write_eof()
    return response


@routes.delete("/api/attachments/{attachment_id}")
@api(
    summary="Delete an attachment and its bytes (its uploader, the board's owners, admins)",
    status=204,
    errors=(403, 404, 409),
    tags=["boards"],
)
async def delete_attachment(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    await _attachments(request).delete(principal, request.match_info["attachment_id"])
    return web.Response(status=204)


def _safety_headers(attachment: AttachmentOut) -> dict[str, str]:
    """Only raster images are shown in our origin; everything else is a download, never HTML or SVG
    (an uploaded page must not run as Dejima), and nothing is sniffed into something else."""
    inline = attachment.content_type in INLINE_TYPES
    served_type = attachment.content_type if inline else "application/octet-stream"
    if attachment.content_type == "application/pdf":
        served_type = "application/pdf"  # a PDF cannot run script in our origin; it is still a download
    return {
        hdrs.CONTENT_TYPE: served_type,
        hdrs.CONTENT_DISPOSITION: content_disposition("inline" if inline else "attachment", attachment.name),
        "X-Content-Type-Options": "nosniff",
        # Belt and braces: even if a browser rendered it, it would be a sandbox without script.
        "Content-Security-Policy": "default-src 'none'; img-src 'self'; sandbox",
        hdrs.ACCEPT_RANGES: "bytes",
        hdrs.ETAG: f'"{attachment.sha256}"',
        hdrs.CACHE_CONTROL: "private, max-age=3600",
    }


def content_disposition(kind: str, name: str) -> str:
    """RFC 6266: an ASCII ``filename`` for old clients and the exact UTF-8 name as ``filename*``."""
    fallback = "".join(char if 32 <= ord(char) < 127 and char not in '"\\%;' else "_" for char in name)
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _range(header: str | None, size: int) -> tuple[int, int] | str | None:
    """A single ``bytes=a-b`` (or ``a-``, ``-n``) → (first, last); None: the whole file (no header,
    or one we do not serve, like several ranges: RFC 9110 lets us ignore it); "unsatisfiable"."""
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last n bytes
        count = int(last)
        if count == 0 or size == 0:
            return "unsatisfiable"
        return max(0, size - count), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None
    if start >= size:
        return "unsatisfiable"
    return start, min(end, size - 1)
