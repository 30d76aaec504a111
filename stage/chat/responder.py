"""Answer a viewer message in character, by name, sentence by sentence.

The dialogue brain streams :class:`ReplySentence`-like objects (``text``, ``emotion``,
``intensity``, ``tags``); each sentence is queued on the performer as soon as it arrives,
so the first audio does not wait for the whole answer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from vhuman.models.types import Emotion, InputError

from ..performer import Performer, SpeechHandle
from .message import ChatMessage

log = logging.getLogger(__name__)


class ChatBrain(Protocol):
    def reply_stream(self, message: str, viewer: Any,
                     opener: bool | None = None) -> AsyncIterator[Any]:
        """Stream reply sentences with ``text``, ``emotion``, ``intensity``, ``tags``.

        ``opener`` overrides the brain's instant-acknowledgement setting for this message
        (``False``: no opener, e.g. for press Q&A; ``None``: the brain's default)."""
        ...


@dataclass
class ChatAnswer:
    """What the character said to one message and when its voice started."""

    message: ChatMessage
    sentences: list[str] = field(default_factory=list)
    handles: list[SpeechHandle] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # the brain's source per sentence

    @property
    def text(self) -> str:
        return " ".join(self.sentences)

    async def wait(self) -> bool:
        """Wait until every sentence finished; False when any was interrupted."""
        ok = True
        for handle in self.handles:
            ok = await handle.wait() and ok
        return ok

    async def first_audio_latency(self) -> float | None:
        """Seconds from the message's arrival to the first audio out of any of its
        sentences (None: cut before any was heard)."""
        from ..transcript import first_audio

        started = await first_audio(self.handles)
        return None if started is None else started - self.message.received


def address_by_name(viewer: str, sentence: str) -> str:
    """Prefix the viewer's name unless the sentence already says it."""
    if viewer.lower() in sentence.lower():
        return sentence
    first = sentence.split(" ", 1)[0]
    if first[:1].isupper() and first[1:].islower() and first not in {"I", "I'm", "I'll"}:
        sentence = sentence[0].lower() + sentence[1:]
    return f"{viewer}, {sentence}"


def _emotion(value: Any) -> Emotion | None:
    if value is None or value == "":
        return None
    try:
        return Emotion.parse(value)
    except InputError:
        log.warning("brain gave unknown emotion %r; ignoring it", value)
        return None


class ChatResponder:
    """Turns chat messages into performer speech through a dialogue brain."""

    def __init__(self, brain: ChatBrain, performer: Performer, *, priority: int = 10,
                 on_sentence: Callable[[ChatMessage, str], None] | None = None) -> None:
        self.brain = brain
        self.performer = performer
        self.priority = priority
        self.on_sentence = on_sentence
        # Awaited once per answer, just before its first sentence is spoken: a cluster
        # worker acknowledges the message there, so it is never answered twice.
        self.before_speaking: Callable[[ChatMessage], Awaitable[None]] | None = None

    async def _perform(self, sentence: Any, tags: list[str]) -> list[SpeechHandle]:
        """A skill the brain chose, done after its line: ``sing:<title>`` sings the song of
        the show's repertoire, the dance skill dances (a few seconds, no music)."""
        handles = []
        song_path = getattr(self.brain, "song_path", None)
        for tag in tags:
            if tag.startswith("sing:") and callable(song_path):
                score = song_path(tag.removeprefix("sing:"))
                if score is not None:
                    handles.append(await self.performer.sing(Path(score), priority=self.priority))
        if getattr(sentence, "source", "") == "skill:dance":
            handles.append(await self.performer.dance(None, duration=6.0))
        return handles

    async def answer(self, message: ChatMessage) -> ChatAnswer:
        """Stream the brain's reply to ``message`` into the performer; returns at once
        after the last sentence is queued (await :meth:`ChatAnswer.wait` for the end)."""
        answer = ChatAnswer(message)
        t0 = time.monotonic()
        async for sentence in self.brain.reply_stream(message.text, message.viewer):
            text = str(getattr(sentence, "text", sentence)).strip()
            if not text:
                continue
            if not answer.sentences:
                if self.before_speaking is not None:
                    await self.before_speaking(message)
                text = address_by_name(message.viewer, text)
                log.debug("first sentence for #%d after %.3fs", message.id,
                          time.monotonic() - t0)
            tags = [str(t) for t in (getattr(sentence, "tags", None) or ())]
            handle = await self.performer.say(
                text, emotion=_emotion(getattr(sentence, "emotion", None)),
                intensity=getattr(sentence, "intensity", None), priority=self.priority,
                source=f"chat:{message.viewer}",
                gestures=[t for t in tags if not t.startswith("dance")])
            answer.sentences.append(text)
            answer.handles.append(handle)
            answer.sources.append(str(getattr(sentence, "source", "") or "brain"))
            answer.handles += await self._perform(sentence, tags)
            if self.on_sentence is not None:
                self.on_sentence(message, text)
        return answer
