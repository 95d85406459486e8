"""Files in a GridFS bucket, written and read one chunk at a time.

The documents are GridFS's own (``<bucket>.files`` ``{_id, length, chunkSize, uploadDate, filename,
metadata}`` and ``<bucket>.chunks`` ``{files_id, n, data}``), so PyMongo's ``AsyncGridFSBucket``,
``mongofiles`` and ``mongodump`` read them as any GridFS file. Only the I/O is ours, because PyMongo's
buffers more than a whole attachment: ``GridIn`` keeps up to 32 MB of chunks before its first
insert, and ``GridOut`` reads the chunks through a cursor whose batches reach 16 MB. Here the hub
holds one chunk at a time in either direction, and while it inserts one, PyMongo's encoding of it
(its buffer and the message copied from it: docs/boards.md, "Attachments", has what that costs).

nx-27017 keeps GridFS in tables of its own; what is used here is what it serves: inserts of chunks
and of the files document, a chunk found by ``files_id`` and ``n``, and deletes by ``files_id``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from bson import Int64
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import OperationFailure

from hub.doc import Doc
from schemas.common import utc_now


@dataclass(frozen=True)
class Stored:
    length: int
    chunk_size: int


class Writer:
    """One file being written: ``write`` pieces of any size, then ``close`` (the files document, which
    makes it a whole GridFS file). Chunks are inserted as soon as they are full."""

    def __init__(self, blobs: Blobs, file_id: str, *, name: str, metadata: Doc) -> None:
        self._blobs = blobs
        self._id = file_id
        self._name = name
        self._metadata = metadata
        # The pieces of the next chunk, kept as they came (views, not copies) until it is full.
        self._pieces: list[memoryview] = []
        self._held = 0
        self._number = 0
        self._length = 0

    async def write(self, piece: bytes | memoryview) -> None:
        """Keep ``piece`` (bytes, or a view of bytes: it must not change); insert each chunk it
        completes. A chunk is copied once, by joining its pieces (PyMongo encodes only ``bytes``), and
        dropped once inserted, before the next is joined."""
        view = memoryview(piece)
        self._length += len(view)
        size = self._blobs.chunk_size
        while len(view) >= size - self._held:
            room = size - self._held
            self._pieces.append(view[:room])
            view = view[room:]
            chunk = b"".join(self._pieces)
            self._pieces.clear()
            self._held = 0
            await self._flush(chunk)
            del chunk
        if view:
            self._pieces.append(view)
            self._held += len(view)

    async def close(self) -> None:
        if self._pieces:
            await self._flush(b"".join(self._pieces))
            self._pieces.clear()
        await self._blobs.files.insert_one(
            {
                "_id": self._id,
                "length": Int64(self._length),
                "chunkSize": self._blobs.chunk_size,
                "uploadDate": utc_now(),
                "filename": self._name,
                "metadata": self._metadata,
            }
        )

    async def _flush(self, data: bytes) -> None:
        await self._blobs.chunks.insert_one({"files_id": self._id, "n": self._number, "data": data})
        self._number += 1


class Blobs:
    def __init__(self, db: AsyncDatabase[Doc], *, bucket: str, chunk_size: int) -> None:
        self.files = db[f"{bucket}.files"]
        self.chunks = db[f"{bucket}.chunks"]
        self.chunk_size = chunk_size

    async def ensure_indexes(self) -> None:
        # GridFS's own indexes (PyMongo's bucket creates them on its first upload; we write ourselves).
        await self.files.create_index([("filename", 1), ("uploadDate", 1)])
        await self.chunks.create_index([("files_id", 1), ("n", 1)], unique=True)

    def writer(self, file_id: str, *, name: str, metadata: Doc) -> Writer:
        return Writer(self, file_id, name=name, metadata=metadata)

    async def stat(self, file_id: str) -> Stored | None:
        """The file's length and chunk size, or None when it is not a whole file."""
        doc = await self.files.find_one({"_id": file_id})
        if doc is None:
            return None
        return Stored(length=int(doc["length"]), chunk_size=int(doc["chunkSize"]))

    async def read(self, file_id: str, stored: Stored, *, first: int, last: int) -> AsyncIterator[bytes]:
        """Bytes ``first`` to ``last`` (inclusive) of the file, one chunk at a time."""
        size = stored.chunk_size
        for number in range(first // size, last // size + 1):
            doc = await self.chunks.find_one({"files_id": file_id, "n": number})
            if doc is None:
                raise OSError(f"GridFS file {file_id} misses its chunk {number}")
            data: bytes = doc["data"]
            start = first - number * size if number == first // size else 0
            end = last - number * size + 1 if number == last // size else len(data)
            yield data[start:end]

    async def delete(self, file_id: str) -> None:
        """The files document, then the chunks (an unfinished file has chunks only). nx-27017 answers
        an error to a delete in ``*.files`` that matches nothing, and deletes the chunks with it."""
        with contextlib.suppress(OperationFailure):
            await self.files.delete_one({"_id": file_id})
        await self.chunks.delete_many({"files_id": file_id})
