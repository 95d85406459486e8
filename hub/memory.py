"""How a hub process asks the C allocator to keep freed memory (glibc's ``mallopt``).

A file streamed through the hub passes one GridFS chunk at a time, and while one chunk is inserted
PyMongo holds about three chunk-sized blocks (the chunk, its encoding buffer and the message).
With glibc's defaults those blocks are returned to the kernel as soon as they are freed and taken
again for the next chunk, so the process's resident memory rises and falls by that much on every
chunk, and which peak a given moment sees depends on the allocator's timing. Keeping blocks below
``MALLOC_MMAP_THRESHOLD_BYTES`` on the heap, and up to ``MALLOC_TRIM_THRESHOLD_BYTES`` of free heap
before trimming, makes a stream reuse the same pages: after the first chunk, it costs the process no
new memory (docs/boards.md, "Attachments"). Elsewhere than glibc (musl, macOS) nothing is changed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

from hub.limits import MALLOC_MMAP_THRESHOLD_BYTES, MALLOC_TRIM_THRESHOLD_BYTES

log = logging.getLogger(__name__)

# glibc's malloc.h
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


def reuse_freed_memory() -> bool:
    """Set the two thresholds in this process; → whether the allocator took them."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    took = bool(mallopt(_M_MMAP_THRESHOLD, MALLOC_MMAP_THRESHOLD_BYTES)) and bool(
        mallopt(_M_TRIM_THRESHOLD, MALLOC_TRIM_THRESHOLD_BYTES)
    )
    if not took:
        log.info("the C allocator did not take the memory thresholds; its defaults stay")
    return took
