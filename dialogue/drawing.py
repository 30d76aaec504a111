"""One draw of the language model, streamed into guarded sentences.

The model's text is cut into sentences (the first clause released early), each passes
moderation, the fact guard (no invented dates, numbers or names), the judge
(:func:`~dialogue.judge.judge_sentence`), the claim check (a reaction, a feeling about the
viewer's words or a question back, never a statement nobody gave the host:
:func:`~dialogue.claims.unsupported_claim`) and the length/repeat guard; a sentence is held
until the words after it start, so action tags written behind it ("... fun! [wave]") are
on it when it is yielded.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from vhuman.models.llm import LLMBackend, LLMMessage
from vhuman.models.text import SentenceStream
from vhuman.models.types import Emotion

from .claims import unsupported_claim
from .guard import ROLE_MARKER, FactGuard, ReplyGuard
from .judge import judge_sentence
from .lines import LineBook
from .meaning import Similarity
from .moderation import Moderator
from .reply import ReplySentence, after, finish, first_clause, has_words
from .tags import parse_tags
from .turn import Turn

log = logging.getLogger(__name__)

STOP_STRINGS = ["<|im_end|>", "<|im_start|>", "\nUser:", "\nViewer:", "\n\n"]
_TAG_RUN = re.compile(r"(?:\s*(?:\[[^\]]*\]|\([^)]*\)|\*[^*]*\*))*")


@dataclass(frozen=True)
class DrawLimits:
    """What bounds one draw: tokens, temperature, the time to the first piece and in all,
    whether a first clause may be released before its sentence ends, and how long the
    first sentence that passes the guards may take (small talk that is slow to say
    something sayable gives way to a short line of the host's own)."""

    max_tokens: int
    temperature: float
    first_token_timeout: float
    total_timeout: float
    early_clause: bool = True
    first_sentence_timeout: float | None = None  # no sentence passed by then: stop the draw


class ModelDraw:
    """Streams one model reply to a turn as guarded :class:`ReplySentence` objects.

    After the draw, ``guard.rejected`` holds what the guards refused and ``failed`` says
    whether the model failed (error, timeout) rather than ended.
    """

    def __init__(self, turn: Turn, lines: LineBook, moderator: Moderator | None,
                 facts: FactGuard, said: str | None = None, similarity: Similarity | None = None) -> None:
        self.turn = turn
        self.similarity = similarity  # for the judge's meaning checks (None: lexical only)
        self.lines = lines
        self.moderator = moderator
        self.facts = facts
        self.guard = ReplyGuard()
        if said:
            self.guard.avoid(said)
        self.said = said  # the opener, when one was spoken before the model's words
        self.failed = False
        self.late = False  # no sentence passed within the first-sentence time
        self._last: ReplySentence | None = None

    async def sentences(self, llm: LLMBackend, messages: Sequence[LLMMessage], limits: DrawLimits,
                        index: int) -> AsyncIterator[ReplySentence]:
        """The guarded sentences of one model reply, numbered from ``index``."""
        guard = self.guard
        splitter = SentenceStream(max_chars=160)
        head, tail, early = "", "", limits.early_clause
        emotion: Emotion | None = None
        held: ReplySentence | None = None
        stream = llm.stream(messages, limits.max_tokens, limits.temperature, STOP_STRINGS)
        deadline = time.monotonic() + limits.total_timeout
        first_by = None if limits.first_sentence_timeout is None else \
            time.monotonic() + limits.first_sentence_timeout
        timeout = limits.first_token_timeout
        try:
            while not guard.done:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    log.warning("LLM reply cut at the %.0f s total timeout", limits.total_timeout)
                    break
                if first_by is not None and held is None and self._last is None:
                    if time.monotonic() >= first_by:
                        self.late = True
                        log.info("no sayable sentence within %.1f s: the draw gives way",
                                 limits.first_sentence_timeout)
                        break
                    remaining = min(remaining, first_by - time.monotonic())
                try:
                    piece = await asyncio.wait_for(anext(stream), min(timeout, remaining))
                except StopAsyncIteration:
                    break
                except TimeoutError:
                    if first_by is not None and self._last is None and time.monotonic() >= first_by:
                        self.late = True  # slow to say anything sayable: not a failure
                        break
                    raise
                timeout = limits.total_timeout
                tail += piece
                if early:
                    head += piece
                    ready, splitter = first_clause(head)
                    early = not ready  # once something is released, split normally
                else:
                    ready = splitter.feed(piece)
                tail = after(tail, ready)
                for sentence in ready:
                    item, emotion = self._guarded(sentence, emotion, index)
                    if item is not None:
                        index += 1
                        if held is not None:
                            yield held
                        held = item
                if held is not None and has_words(tail):
                    yield held
                    held = None
            if not guard.done:
                for sentence in splitter.flush():
                    item, emotion = self._guarded(finish(sentence), emotion, index)
                    if item is not None:
                        index += 1
                        if held is not None:
                            yield held
                        held = item
            elif held is not None:
                await _trailing_tags(stream, tail, held)
        except (TimeoutError, Exception) as exc:  # LLMError, timeouts, model crashes
            self.failed = True
            log.warning("LLM failed (%s: %s); using a fallback line", type(exc).__name__, exc)
        finally:
            await _aclose(stream)
        if held is not None:
            yield held

    def _guarded(self, sentence: str, emotion: Emotion | None,
                 index: int) -> tuple[ReplySentence | None, Emotion | None]:
        guard = self.guard
        spoken, tag_emotion, actions = parse_tags(sentence)
        emotion = tag_emotion or emotion
        if not any(ch.isalnum() for ch in spoken) and actions and self._last is not None:
            # Tags written after the last sentence ("... fun! [wave]"): attach them to it.
            self._last.tags += [a for a in actions if a not in self._last.tags]
        if self.moderator is not None and spoken:
            # Checked before the guard, so a persona break is replaced, not trimmed.
            verdict = self.moderator.check_output(spoken)
            if not verdict.allowed:
                guard.done = True
                return self.lines.deflection(None, index), emotion
            spoken = verdict.cleaned
        if spoken:
            fact = self.facts.invented(spoken)
            if fact is not None:  # a date, number or name the character was never given
                guard.rejected.append((spoken, f"invented:{fact}"))
                return None, emotion
        turn = self.turn
        if spoken and not ROLE_MARKER.search(spoken):  # a role marker ends the reply (guard)
            # after an opener the model continues the opener's turn: it may start in lower
            # case only where the opener was left open ("Mm, let me think,"), never after
            # "I hear you, Ana." ("but it was much." is a fragment)
            before = self._last.text if self._last is not None else self.said
            refusal = judge_sentence(spoken, turn.text, turn.language, self.lines.persona.name,
                                     turn.label, turn.viewer, before, self.similarity,
                                     first=self._last is None)
            if refusal is None:  # the model reacts or asks; it states nothing it was not given
                refusal = unsupported_claim(spoken, turn.text, turn.language,
                                            known_words=self.facts.words)
            if refusal is not None:
                guard.rejected.append((spoken, refusal))
                return None, emotion
        accepted = guard.accept(spoken) if spoken else None
        if accepted is None:
            return None, emotion
        item = self.lines.sentence(accepted, "llm", index, tag_emotion or emotion, actions)
        self._last = item
        return item, emotion


async def _trailing_tags(stream: AsyncIterator[str], tail: str, item: ReplySentence,
                         pieces: int = 4) -> None:
    """The reply is complete: read a few more pieces for tags written after it."""
    for _ in range(pieces):
        if has_words(tail):
            break
        try:
            tail += await asyncio.wait_for(anext(stream), 0.5)
        except (StopAsyncIteration, TimeoutError):
            break
    _, _, actions = parse_tags(_TAG_RUN.match(tail).group(0))  # type: ignore[union-attr]
    item.tags += [a for a in actions if a not in item.tags]


async def _aclose(stream: AsyncIterator[str]) -> None:
    close = getattr(stream, "aclose", None)  # async generators close; plain iterators do not
    if close is not None:
        try:
            await close()
        except Exception as exc:
            log.debug("closing the LLM stream: %s", exc)
