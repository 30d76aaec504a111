"""Running small torch inferences on one intra-op thread.

A query embedding or a span reading of a few hundred tokens gains little from intra-op
threads, and on a busy machine (a live show rendering beside it) their hand-offs cost
10-20x: one short query measured 0.35-0.55 s on two threads against 0.03 s on one at load
average ~9. torch's thread count is process-wide, so the switch is serialised.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator

_LOCK = threading.Lock()


@contextlib.contextmanager
def one_torch_thread() -> Iterator[None]:
    """Hold the process's torch at one intra-op thread for the block (serialised)."""
    with _LOCK:
        torch = sys.modules.get("torch")
        threads = torch.get_num_threads() if torch is not None else 0
        if torch is not None:
            torch.set_num_threads(1)
        try:
            yield
        finally:
            if torch is not None:
                torch.set_num_threads(threads)
