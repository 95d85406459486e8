"""The cost of a password hash: a deployment gets argon2id at RFC 9106's second recommendation unless
it says otherwise, and a hash made at one cost still verifies after the cost is changed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hub.identity.passwords import PasswordCost, Passwords


def test_a_deployment_hashes_at_3_passes_over_64_mib_in_4_lanes(repo_root: Path, tmp_path: Path) -> None:
    # As an operator starts it: settings from the environment alone, in a fresh interpreter.
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DEJIMA_MONGODB_URL": "mongodb://127.0.0.1:1/dejima",
        "DEJIMA_REDIS_URL": "redis://127.0.0.1:1/0",
        "DEJIMA_SECRET_KEY": "s" * 40,
    }
    script = (
        "import asyncio\n"
        "from hub.settings import Settings\n"
        "from hub.identity.passwords import PasswordCost, Passwords\n"
        "s = Settings()\n"
        "cost = PasswordCost(s.password_time_cost, s.password_memory_kib, s.password_parallelism)\n"
        "print(asyncio.run(Passwords(cost).hash('a passphrase of mine')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=tmp_path, capture_output=True, text=True, check=False,
        timeout=60,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("$argon2id$v=19$m=65536,t=3,p=4$"), out.stdout


async def test_a_hash_keeps_its_cost_when_the_setting_changes() -> None:
    cheap = Passwords(PasswordCost(time_cost=1, memory_kib=8, parallelism=1))
    stored = await cheap.hash("correct horse battery")
    assert stored.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    dearer = Passwords(PasswordCost(time_cost=2, memory_kib=1024, parallelism=2))
    assert await dearer.verify(stored, "correct horse battery")
    assert not await dearer.verify(stored, "correct horse battery!")
    assert not await dearer.verify(None, "correct horse battery")
    assert not await dearer.verify("not a hash", "correct horse battery")
