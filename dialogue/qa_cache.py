"""Answers to repeated questions, kept per knowledge-base version.

Reporters at a press desk ask the same things ("When is the final?") many times; an answer
is a pure function of the question, the documents and the threshold, so it is computed
once. The key holds a digest of the knowledge base's documents (names and content
hashes), so an ``update()`` that changes a document makes every older answer unreachable.
"""

from __future__ import annotations

import copy
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

__all__ = ["AnswerCache", "kb_version"]


def kb_version(kb: Any) -> str:
    """A digest of ``kb``'s documents: names and content hashes."""
    docs = sorted((name, rec["sha256"]) for name, rec in kb.docs.items())
    return hashlib.sha256(repr(docs).encode()).hexdigest()[:16]


def question_key(question: str) -> str:
    """The question as the cache sees it: case, spacing and final punctuation aside."""
    return " ".join(question.lower().split()).rstrip("?!. ")


class AnswerCache:
    """A thread-safe LRU of answers (copies go in and come out: callers may edit theirs).

    :meth:`get_or_compute` also coalesces: while one thread computes a key, the others
    asking for it wait for that answer instead of computing it again (eight reporters
    asking "When is the final?" at once cost one reading)."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self.hits = 0
        self.misses = 0
        self._items: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._pending: dict[tuple[Any, ...], threading.Event] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> Any | None:
        with self._lock:
            hit = self._items.get(key)
            if hit is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
        return copy.deepcopy(hit)

    def put(self, key: tuple[Any, ...], value: Any) -> None:
        with self._lock:
            self._items[key] = copy.deepcopy(value)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def get_or_compute(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """The cached value of ``key``, else ``compute()`` once (concurrent callers of the
        same key wait for it; if it raises, the next waiter computes)."""
        while True:
            with self._lock:
                if key in self._items:
                    self._items.move_to_end(key)
                    self.hits += 1
                    return copy.deepcopy(self._items[key])
                event = self._pending.get(key)
                owner = event is None
                if owner:
                    event = self._pending[key] = threading.Event()
                    self.misses += 1
            if not owner:
                event.wait()  # type: ignore[union-attr]
                continue
            try:
                value = compute()
                self.put(key, value)
                return value
            finally:
                with self._lock:
                    self._pending.pop(key, None)
                event.set()  # type: ignore[union-attr]

    def __len__(self) -> int:
        return len(self._items)
