"""``dejima serve`` keeps a streamed file's chunk-sized blocks on the heap (hub/memory.py)."""

from __future__ import annotations

import platform

import pytest

from hub.memory import reuse_freed_memory


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="the thresholds are glibc's")
def test_the_allocator_takes_the_thresholds_on_glibc() -> None:
    assert reuse_freed_memory() is True
