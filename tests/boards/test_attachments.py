"""Attachments on cards, stored in GridFS: byte-exact round trips, the size limit, safe serving,
ranges, rights, deletion and archiving."""

from __future__ import annotations

import hashlib
import io
import os
from typing import Any

import pytest
from aiohttp import FormData
from gridfs.asynchronous.grid_file import AsyncGridFSBucket
from pymongo import AsyncMongoClient

from hub import keys
from tests.boards.conftest import Board, BoardFactory, Client, add_card, add_column, post
from tests.conftest import Account, UserFactory

MiB = 1024 * 1024


async def upload(
    client: Client, card_id: str, account: Account, data: bytes, name: str, content_type: str
) -> tuple[int, Any]:
    form = FormData(quote_fields=False)  # names in raw UTF-8, as browsers send them
    form.add_field("file", io.BytesIO(data), filename=name, content_type=content_type)
    response = await client.post(f"/api/cards/{card_id}/attachments", data=form, headers=account.headers)
    return response.status, await response.json()


async def _card(client: Client, board: Board) -> dict[str, Any]:
    column = await add_column(client, board)
    return await add_card(client, board, column["id"], "Minutes")


async def _stored(mongo: AsyncMongoClient[dict[str, Any]], client: Client, *ids: str) -> list[Any]:
    """What is left of attachments: files, marks of unfinished uploads or deletions, and the chunks
    of ``ids`` (nx-27017 lists chunks only by their file)."""
    db = mongo[client.app[keys.SETTINGS].database_name]
    left = await db["attachments.files"].find({}).to_list() + await db["attachment_marks"].find({}).to_list()
    for attachment_id in ids:
        left += await db["attachments.chunks"].find({"files_id": attachment_id}).to_list()
    return left


async def test_upload_and_download_are_byte_identical(
    client: Client, board: Board, mongo: AsyncMongoClient[dict[str, Any]]
) -> None:
    card = await _card(client, board)
    data = os.urandom(3 * MiB)
    status, attachment = await upload(client, card["id"], board.editor, data, "scan.pdf", "application/pdf")
    assert status == 201, attachment
    assert attachment["size"] == len(data) and attachment["sha256"] == hashlib.sha256(data).hexdigest()
    assert (attachment["content_type"], attachment["created_by"]) == ("application/pdf", board.editor.id)
    status, empty = await upload(client, card["id"], board.editor, b"", "empty.txt", "text/plain")
    assert status == 201 and empty["size"] == 0
    response = await client.get(f"/api/cards/{card['id']}", headers=board.viewer.headers)
    assert [a["id"] for a in (await response.json())["attachments"]] == [empty["id"], attachment["id"]]
    response = await client.get(f"/api/attachments/{attachment['id']}", headers=board.viewer.headers)
    assert response.status == 200 and await response.read() == data
    # Stored as GridFS files: PyMongo's own bucket reads them (and mongodump backs them up).
    bucket = AsyncGridFSBucket(mongo[client.app[keys.SETTINGS].database_name], bucket_name="attachments")
    assert await (await bucket.open_download_stream(attachment["id"])).read() == data
    response = await client.get(f"/api/attachments/{empty['id']}", headers=board.viewer.headers)
    assert response.status == 200 and await response.read() == b""
    # A single range answers 206 with exactly those bytes.
    response = await client.get(
        f"/api/attachments/{attachment['id']}", headers={**board.viewer.headers, "Range": "bytes=0-99"}
    )
    assert response.status == 206
    assert response.headers["Content-Range"] == f"bytes 0-99/{len(data)}"
    assert await response.read() == data[:100]
    response = await client.get(
        f"/api/attachments/{attachment['id']}", headers={**board.viewer.headers, "Range": "bytes=-10"}
    )
    assert response.status == 206 and await response.read() == data[-10:]


async def test_a_file_ends_exactly_at_its_delimiter_wherever_the_reads_split_it(
    client: Client, board: Board, mongo: AsyncMongoClient[dict[str, Any]]
) -> None:
    """The hub reads an upload's body 64 KiB at a time and looks for the closing delimiter itself:
    one that falls across two reads at any byte still ends the file, and a run of bytes that is the
    delimiter but for its last byte is the file's."""
    card = await _card(client, board)
    boundary = "dejima-boundary-7Xq"
    delimiter = f"\r\n--{boundary}".encode()
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    headers = {**board.editor.headers, "Content-Type": f"multipart/form-data; boundary={boundary}"}
    sizes = [0, 1, 255 * 1024 + 7]
    for read_end in (64 * 1024, 128 * 1024):
        sizes += [read_end - before for before in range(len(delimiter) + 1)]
    for size in sizes:
        data = (os.urandom(size) + delimiter[:-1])[-size:] if size else b""
        body = head + data + delimiter + b"--\r\n"
        response = await client.post(f"/api/cards/{card['id']}/attachments", data=body, headers=headers)
        attachment = await response.json()
        assert response.status == 201, (size, attachment)
        assert attachment["size"] == size and attachment["sha256"] == hashlib.sha256(data).hexdigest()
        response = await client.get(f"/api/attachments/{attachment['id']}", headers=board.viewer.headers)
        assert await response.read() == data, size
        assert (
            await client.delete(f"/api/attachments/{attachment['id']}", headers=board.editor.headers)
        ).status == 204
    # The near-delimiter at the start and at the end, read through PyMongo's own bucket.
    data = delimiter[:-1] + os.urandom(3 * 255 * 1024) + delimiter[:-1]
    response = await client.post(
        f"/api/cards/{card['id']}/attachments", data=head + data + delimiter + b"--\r\n", headers=headers
    )
    attachment = await response.json()
    assert response.status == 201, attachment
    bucket = AsyncGridFSBucket(mongo[client.app[keys.SETTINGS].database_name], bucket_name="attachments")
    stream = await bucket.open_download_stream(attachment["id"])
    read = await stream.read()
    # Once in a full run this read b"": the files document as PyMongo saw it would say why.
    assert read == data, (len(read), len(data), stream.length, stream.chunk_size)


async def test_too_large_is_refused_and_nothing_stored(
    client: Client, make_client: Any, board: Board, mongo: AsyncMongoClient[dict[str, Any]]
) -> None:
    card = await _card(client, board)
    status, body = await upload(client, card["id"], board.editor, b"\0" * (26 * MiB), "big.bin", "x/y")
    assert status == 413 and body["error"]["code"] == "payload_too_large"
    # Without a length announced (chunked), the body is counted as it streams.
    small = await make_client(attachment_max_bytes=MiB)

    async def chunked() -> Any:
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n\r\n'
        for _ in range(4):
            yield b"\1" * (512 * 1024)
        yield b"\r\n--b--\r\n"

    response = await small.post(
        f"/api/cards/{card['id']}/attachments",
        data=chunked(),
        headers={**board.editor.headers, "Content-Type": "multipart/form-data; boundary=b"},
    )
    assert response.status == 413
    assert await _stored(mongo, client) == []
    response = await client.get(f"/api/cards/{card['id']}", headers=board.viewer.headers)
    assert (await response.json())["attachments"] == []


@pytest.mark.parametrize(
    ("name", "content_type", "body"),
    [
        ("page.html", "text/html", b"<script>alert(1)</script>"),
        (
            "drawing.svg",
            "image/svg+xml",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        ),
    ],
)
async def test_html_and_svg_are_downloads_never_pages(
    client: Client, board: Board, name: str, content_type: str, body: bytes
) -> None:
    card = await _card(client, board)
    status, attachment = await upload(client, card["id"], board.editor, body, name, content_type)
    assert status == 201 and attachment["content_type"] == content_type
    response = await client.get(f"/api/attachments/{attachment['id']}", headers=board.viewer.headers)
    assert response.status == 200 and await response.read() == body
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Content-Type"] not in ("text/html", "image/svg+xml")


async def test_raster_images_inline_and_utf8_names(client: Client, board: Board) -> None:
    card = await _card(client, board)
    status, image = await upload(client, card["id"], board.editor, b"\x89PNG....", "写真.png", "image/png")
    assert status == 201 and image["name"] == "写真.png"
    response = await client.get(f"/api/attachments/{image['id']}", headers=board.viewer.headers)
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["Content-Disposition"] == (
        "inline; filename=\"__.png\"; filename*=UTF-8''%E5%86%99%E7%9C%9F.png"
    )


async def test_rights_delete_and_archive(
    client: Client, make_board: BoardFactory, person: UserFactory, mongo: AsyncMongoClient[dict[str, Any]]
) -> None:
    other_editor = await person("member")
    board = await make_board("private", **{other_editor.id: "editor"})
    card = await _card(client, board)
    outsider = await person("partner")
    # A viewer cannot upload; a partner outside the private project cannot even see the card.
    assert (await upload(client, card["id"], board.viewer, b"x", "a.txt", "text/plain"))[0] == 403
    assert (await upload(client, card["id"], outsider, b"x", "a.txt", "text/plain"))[0] == 404
    status, attachment = await upload(client, card["id"], board.editor, b"minutes", "a.txt", "text/plain")
    assert status == 201
    path = f"/api/attachments/{attachment['id']}"
    assert (await client.get(path, headers=board.viewer.headers)).status == 200
    assert (await client.get(path, headers=outsider.headers)).status == 404
    assert (await client.delete(path, headers=outsider.headers)).status == 404
    assert (await client.delete(path, headers=board.viewer.headers)).status == 403
    # Another editor may not delete someone else's file; the uploader and the owners may.
    assert (await client.delete(path, headers=other_editor.headers)).status == 403
    # Archiving keeps the bytes.
    assert (await post(client, f"/api/cards/{card['id']}/archive", board.owner))[0] == 200
    assert await (await client.get(path, headers=board.viewer.headers)).read() == b"minutes"
    assert (await client.delete(path, headers=board.owner.headers)).status == 409  # restore it first
    assert (await post(client, f"/api/cards/{card['id']}/restore", board.owner))[0] == 200
    assert (await client.delete(path, headers=board.owner.headers)).status == 204
    assert (await client.get(path, headers=board.owner.headers)).status == 404
    # Deleting removes the chunks at once.
    assert await _stored(mongo, client, attachment["id"]) == []
    response = await client.get(f"/api/cards/{card['id']}", headers=board.viewer.headers)
    assert (await response.json())["attachments"] == []
