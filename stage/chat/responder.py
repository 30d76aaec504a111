"""Answer a viewer message in character, by name, sentence by sentence.

The dialogue brain (any :class:`~vhuman.dialogue.reply.ReplyStream`) streams
:class:`~vhuman.dialogue.reply.ReplySentence` objects; each sentence is queued on the
performer as soon as it arrives, so the first audio does not wait for the whole answer,
and its typed cue (a song, a dance) is performed after it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from vhuman.dialogue.reply import DanceCue, ReplySentence, ReplyStream, SingCue

from ..performer import Performer, SpeechHandle
from .message import ChatMessage

log = logging.getLogger(__name__)



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


class ChatResponder:
    """Turns chat messages into performer speech through a dialogue brain."""

    def __init__(self, brain: ReplyStream, performer: Performer, *, priority: int = 10,
                 on_sentence: Callable[[ChatMessage, str], None] | None = None) -> None:
        self.brain = brain
        self.performer = performer
        self.priority = priority
        self.on_sentence = on_sentence
        # Awaited once per answer, just before its first sentence is spoken: a cluster
        # worker acknowledges the message there, so it is never answered twice.
        self.before_speaking: Callable[[ChatMessage], Awaitable[None]] | None = None

    async def _perform(self, sentence: ReplySentence) -> list[SpeechHandle]:
        """What the brain cued after the line: a song of the show's repertoire, a dance
        (a few seconds, no music)."""
        cue = sentence.cue
        if isinstance(cue, SingCue):
            return [await self.performer.sing(cue.score, priority=self.priority)]
        if isinstance(cue, DanceCue):
            return [await self.performer.dance(None, duration=cue.seconds)]
        return []

    async def answer(self, message: ChatMessage,
                     reply: AsyncIterator[ReplySentence] | None = None) -> ChatAnswer:
        """Stream the brain's reply to ``message`` into the performer; returns at once
        after the last sentence is queued (await :meth:`ChatAnswer.wait` for the end).
        ``reply``: the brain's reply to it, already started (an answer prepared early)."""
        answer = ChatAnswer(message)
        t0 = time.monotonic()
        if reply is None:
            reply = self.brain.reply_stream(message.text, message.viewer)
        async for sentence in reply:
            text = sentence.text.strip()
            if not text:
                continue
            if not answer.sentences:
                if self.before_speaking is not None:
                    await self.before_speaking(message)
                text = address_by_name(message.viewer, text)
                log.debug("first sentence for #%d after %.3fs", message.id,
                          time.monotonic() - t0)
            handle = await self.performer.say(
                text, emotion=sentence.emotion, intensity=sentence.intensity,
                priority=self.priority, source=f"chat:{message.viewer}",
                gestures=sentence.gestures)
            answer.sentences.append(text)
            answer.handles.append(handle)
            answer.sources.append(sentence.source or "brain")
            answer.handles += await self._perform(sentence)
            if self.on_sentence is not None:
                self.on_sentence(message, text)
        return answer
