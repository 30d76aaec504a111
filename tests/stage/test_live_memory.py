"""Freed heap memory goes back to the OS during long live runs."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from vhuman.stage.live.memory import release_free_memory


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc_trim")
def test_release_returns_freed_heap_pages_to_the_os() -> None:
    # 150 MB in 64 KB blocks (under glibc's mmap threshold: they come from the heap),
    # then free all but every 64th block, so the heap cannot shrink from its top by itself
    blocks = [np.ones(8192) for _ in range(2400)]
    kept = blocks[::64]
    del blocks
    before = _rss_mb()
    assert release_free_memory() is True
    after = _rss_mb()
    assert before - after > 50, (before, after)
    assert all(float(b[0]) == 1.0 for b in kept)  # what is still used is untouched


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc mallopt")
def test_malloc_arenas_can_be_capped_and_threads_still_allocate() -> None:
    import threading

    from vhuman.stage.live.memory import limit_malloc_arenas

    assert limit_malloc_arenas(2) is True
    sums: list[float] = []

    def work() -> None:
        sums.append(float(sum(np.ones(10_000).sum() for _ in range(50))))

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sums == [500_000.0] * 6
