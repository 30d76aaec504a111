"""Answers to repeated questions: cached per knowledge-base version, concurrent askers of
the same question wait for one reading."""

from __future__ import annotations

import threading
from types import SimpleNamespace

from vhuman.dialogue.qa_cache import AnswerCache, kb_version, question_key


def test_get_or_compute_runs_once_for_concurrent_callers() -> None:
    cache = AnswerCache(4)
    calls: list[int] = []
    release = threading.Event()

    def compute() -> dict[str, int]:
        calls.append(1)
        release.wait(5)
        return {"answer": 42}

    results: list[dict[str, int]] = []
    threads = [threading.Thread(target=lambda: results.append(cache.get_or_compute(("k",), compute)))
               for _ in range(6)]
    for t in threads:
        t.start()
    while not calls:
        threading.Event().wait(0.01)
    release.set()
    for t in threads:
        t.join(5)
    assert len(calls) == 1 and results == [{"answer": 42}] * 6
    assert cache.misses == 1 and cache.hits == 5


def test_failed_compute_is_not_cached_and_copies_are_private() -> None:
    cache = AnswerCache(2)

    def boom() -> dict[str, int]:
        raise RuntimeError("reader failed")

    try:
        cache.get_or_compute(("k",), boom)
    except RuntimeError:
        pass
    value = cache.get_or_compute(("k",), lambda: {"n": 1})
    value["n"] = 99  # the caller's copy
    assert cache.get(("k",)) == {"n": 1}
    for k in range(3):  # least recently used entries leave first
        cache.put((k,), k)
    assert len(cache) == 2 and cache.get(("k",)) is None


def test_version_follows_document_content_and_keys_ignore_case() -> None:
    kb = SimpleNamespace(docs={"a.md": {"sha256": "1"}, "b.md": {"sha256": "2"}})
    before = kb_version(kb)
    kb.docs["a.md"]["sha256"] = "3"
    assert kb_version(kb) != before
    assert question_key("When is the  Final?") == question_key("when is the final")
