"""Answering early: the answer to a turn is prepared while its end-of-turn silence runs.

A turn ends only after ``complete_silence_s`` or ``end_silence_s`` of silence, but its words are often known
before that: the recognition made at the first pause (which becomes the final
transcript when no more speech comes), or a partial whose stable words already close a
sentence. :class:`EarlyAnswer` starts the work of the answer on such words
*speculatively*: the dialogue brain's reply up to its first sentence (retrieval, a
knowledge answer, a skill's line or the opener), or the grounded Q&A engine's answer.
Nothing goes on air and nothing is recorded as said: when the final transcript comes
and :func:`same_words` holds (the same words once case, punctuation and filler are set
aside) the prepared answer is *committed* and its first sentence is spoken at once;
otherwise it is *dropped* (the brain's reply is closed before it remembers anything).

Only the first sentence is prepared ahead: the brain writes its memory when a reply
ends, so the rest of the reply is drawn after the commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
import unicodedata
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from vhuman.dialogue.reply import ReplySentence, ReplyStream
from vhuman.dialogue.turns import sounds_unfinished

log = logging.getLogger(__name__)

FILLERS = frozenset("um umm uh uhh er erm hmm mm ah eh em este euh ähm äh 嗯 呃 啊 哦".split())
"""Sounds a final transcript may add to the words an answer was prepared on."""
_UNIT = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]|[^\W_]+(?:'[^\W_]+)*")
_CLOSED = re.compile(r"[.?!。？！]\s*$")
MIN_UNITS = 3
"""Fewer words (or CJK characters) than this are not worth answering early."""


def words(text: str) -> list[str]:
    """The words of ``text`` for comparison: NFKC, lower case, no punctuation, no filler;
    Chinese, Japanese and Korean character by character."""
    units = _UNIT.findall(unicodedata.normalize("NFKC", text).lower())
    return [u for u in units if u not in FILLERS]


def same_words(prepared: str, final: str) -> bool:
    """Whether the final transcript says what the answer was prepared on."""
    a = words(prepared)
    return bool(a) and a == words(final)


def ready_to_answer(text: str, language: str = "", *, closed: bool = False) -> bool:
    """Whether ``text`` is a complete question or sentence to start an answer on:
    enough words, nothing trailing off, and (``closed``) a sentence mark at its end."""
    if len(words(text)) < MIN_UNITS or sounds_unfinished(text, language):
        return False
    return not closed or bool(_CLOSED.search(text))


class EarlyAnswer:
    """One answer prepared on the words ``heard``, moderated as ``verdict`` into ``text``
    (what is answered), not yet said.

    ``brain``: the dialogue brain; its reply stream runs up to its first sentence.
    ``qa``: a coroutine giving the Q&A engine's answer (a reporter's turn) instead.
    ``on_ready``: called with the first sentence (or the Q&A answer) once it is ready, e.g.
    to synthesize its voice ahead; what it returns is kept as :attr:`voice` (its failure
    does not fail the answer).
    """

    def __init__(self, heard: str, text: str, *, verdict: Any, viewer: str,
                 brain: ReplyStream | None = None, qa: Awaitable[Any] | None = None,
                 on_ready: Callable[[Any], Any] | None = None) -> None:
        self.heard = heard
        self.text = text
        self.verdict = verdict
        self.ready_at: float | None = None  # monotonic time the first sentence was ready
        self._stream: AsyncIterator[ReplySentence] | None = None
        self._first: list[ReplySentence] = []
        self._ended = False
        self._on_ready = on_ready
        self.voice: Any = None  # what on_ready returned (the voice being prepared)
        if brain is not None:
            self._stream = brain.reply_stream(text, viewer)
            self._task: asyncio.Task[Any] = asyncio.ensure_future(self._prefetch())
        elif qa is not None:
            self._task = asyncio.ensure_future(self._timed(qa))
        else:
            raise ValueError("an early answer needs a brain or a Q&A call")

    async def _prefetch(self) -> None:
        assert self._stream is not None
        try:
            self._first.append(await self._stream.__anext__())
        except StopAsyncIteration:
            self._ended = True
        self.ready_at = time.monotonic()
        if self._first:
            self._ready(self._first[0])

    async def _timed(self, call: Awaitable[Any]) -> Any:
        result = await call
        self.ready_at = time.monotonic()
        self._ready(result)
        return result

    def _ready(self, result: Any) -> None:
        if self._on_ready is not None:
            try:
                self.voice = self._on_ready(result)
            except Exception:  # noqa: BLE001 - preparing the voice is an optimisation
                log.exception("could not prepare the voice of an early answer")

    def matches(self, final: str) -> bool:
        return same_words(self.heard, final)

    async def reply(self) -> AsyncIterator[ReplySentence]:
        """The brain's reply, committed: the prepared first sentence, then the rest."""
        await self._task
        for item in self._first:
            yield item
        if self._stream is not None and not self._ended:
            async for item in self._stream:
                yield item

    async def qa_answer(self) -> Any:
        """The Q&A engine's answer, committed."""
        return await self._task

    async def drop(self) -> None:
        """Never said: stop the work and close the brain's reply (no exchange remembered)."""
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._task
        if self._stream is not None:
            closing = getattr(self._stream, "aclose", None)
            if closing is not None:
                with contextlib.suppress(Exception):
                    await closing()
