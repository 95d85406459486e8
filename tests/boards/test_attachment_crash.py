"""A hub killed in the middle of an upload: the card never lists a half file, and the sweeper
removes the chunks it had written."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

from pymongo import AsyncMongoClient

from hub import keys
from hub.embedded import free_port
from schemas.common import utc_now
from tests.boards.conftest import Board, Client, add_card, add_column
from tests.conftest import Servers
from tests.ops.conftest import clean_env, wait_ready
from workers.boards import sweep_attachments
from workers.settings import CRON_JOBS

MiB = 1024 * 1024


async def _wait_for(probe: Any, timeout_s: float = 20.0) -> Any:
    for _ in range(int(timeout_s / 0.05)):
        found = await probe()
        if found:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError("not reached in time")


async def test_a_hub_killed_mid_upload_lists_no_half_file_and_its_chunks_are_swept(
    client: Client, board: Board, servers: Servers, mongo: AsyncMongoClient[dict[str, Any]], tmp_path: Path
) -> None:
    settings = client.app[keys.SETTINGS]
    db = mongo[settings.database_name]
    column = await add_column(client, board)
    card = await add_card(client, board, column["id"])
    port = free_port()
    log = tmp_path / "serve.log"
    env = clean_env(
        DEJIMA_MONGODB_URL=servers.mongodb_url,
        DEJIMA_MONGODB_DATABASE=settings.database_name,
        DEJIMA_REDIS_URL=servers.redis_url,
        DEJIMA_SECRET_KEY=settings.secret_key.get_secret_value(),
    )
    with log.open("wb") as sink:
        hub = subprocess.Popen(  # noqa: ASYNC220 - started once, before any await on it
            [sys.executable, "-m", "hub.cli", "serve", "--port", str(port)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        await asyncio.to_thread(wait_ready, f"http://127.0.0.1:{port}", hub, log)
        head = (
            b'--b\r\nContent-Disposition: form-data; name="file"; filename="scan.pdf"\r\n'
            b"Content-Type: application/pdf\r\n\r\n"
        )
        length = len(head) + 3 * MiB + len(b"\r\n--b--\r\n")
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            (
                f"POST /api/cards/{card['id']}/attachments HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer {board.editor.token}\r\n"
                f"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: {length}\r\n\r\n"
            ).encode()
            + head
            + b"\1" * (3 * MiB // 2)
        )
        await writer.drain()
        # The upload is under way: its mark is left, and chunks of it are in GridFS.
        mark = await _wait_for(lambda: db["attachment_marks"].find_one({"card_id": card["id"]}))
        chunks = db["attachments.chunks"]
        await _wait_for(lambda: chunks.find({"files_id": mark["_id"]}).to_list())
        hub.kill()
        hub.wait()
        writer.close()
    finally:
        if hub.poll() is None:
            hub.kill()
            hub.wait()
    response = await client.get(f"/api/cards/{card['id']}", headers=board.viewer.headers)
    assert (await response.json())["attachments"] == []
    assert (await client.get(f"/api/attachments/{mark['_id']}", headers=board.owner.headers)).status == 404
    assert await chunks.find({"files_id": mark["_id"]}).to_list() != []  # the orphan, until swept
    attachments = client.app[keys.SERVICES].boards.attachments
    # A young mark may be an upload still running elsewhere: only old ones are swept.
    assert await attachments.sweep(older_than_s=600) == 0
    assert await attachments.sweep(older_than_s=0) == 1
    assert await chunks.find({"files_id": mark["_id"]}).to_list() == []
    assert await db["attachment_marks"].find_one({"_id": mark["_id"]}) is None


async def test_the_worker_sweeps_every_minute_and_spares_young_marks(client: Client, board: Board) -> None:
    assert sweep_attachments in {job.coroutine for job in CRON_JOBS}
    services = client.app[keys.SERVICES]
    column = await add_column(client, board)
    card = await add_card(client, board, column["id"])
    # An upload that has just begun (its mark is fresh) is left alone by the worker's sweep.
    await services.db["attachment_marks"].insert_one(
        {"_id": "a" * 24, "card_id": card["id"], "kind": "upload", "since": utc_now()}
    )
    assert await sweep_attachments({"services": services}) == 0
    assert await services.db["attachment_marks"].find_one({"_id": "a" * 24}) is not None
