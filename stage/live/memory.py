"""Keep a long live run's resident memory at what it really uses.

The voice (ONNX Runtime), numpy and the encoders allocate and free large buffers from
several threads; glibc keeps freed pages in per-thread arenas, so the resident size of a
long show creeps up to a high-water mark that is mostly free memory. The live voice
worker calls :func:`release_free_memory` after each line, and ``vhuman show``/``serve``
call :func:`limit_malloc_arenas` before their threads start. Measured with the Piper
voice on 300 varied sentences (before its per-shape memory plans were turned off, see
``models.tts.piper_tts``): RSS 696 MB without trimming, 584 MB with ``malloc_trim(0)``
after each sentence, at the same speed (RTF 0.040 vs 0.041). The 10-minute live bench,
with both and without the plans: main process 803 -> 806 MB from its first minute on.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _libc() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None  # glibc only (not musl)
    except OSError:
        return None


M_ARENA_MAX = -8  # glibc's mallopt parameter number


def limit_malloc_arenas(arenas: int = 2) -> bool:
    """Cap glibc's malloc arenas (default 8 per core) for threads created from now on.

    Every thread that meets lock contention gets its own arena, and memory freed in one
    arena is never reused by another: with the clock, render, voice, encoder and ONNX
    Runtime threads all allocating, a long show's resident size steps up by whole arena
    heaps. Returns False where the C library has no ``mallopt``."""
    libc = _libc()
    if libc is None or not hasattr(libc, "mallopt"):
        return False
    return bool(libc.mallopt(M_ARENA_MAX, int(arenas)))


def release_free_memory() -> bool:
    """Return free heap pages to the OS (glibc ``malloc_trim``; the GIL is released during
    the call). Returns False where the C library has no such call."""
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True
