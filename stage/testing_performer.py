"""A fake :class:`~stage.performer.Performer` with known timing, for show and server tests.

It records every call and "speaks" by sleeping ``seconds_per_word`` per word (after a
``first_audio_delay``), honouring priorities and interrupts exactly like the protocol
says, so tests can assert order, timing and preemption without any model.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vhuman.dialogue.answers import Answer
from vhuman.dialogue.knowledge import Passage
from vhuman.dialogue.reply import ReplyContext, ReplySentence
from vhuman.models.types import Emotion, InputError

from .performer import SpeechHandle

log = logging.getLogger(__name__)


@dataclass
class PerformedItem:
    """One utterance or dance as it actually played."""

    kind: str
    text: str
    source: str
    priority: int
    emotion: Emotion | None
    gestures: tuple[str, ...]
    queued_at: float
    started_at: float | None = None
    ended_at: float | None = None
    completed: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class FakePerformer:
    """Records calls; simulates speech at ``seconds_per_word`` and dances in seconds.

    ``calls`` lists ``(method, args_dict)`` in call order; ``performed`` lists the
    :class:`PerformedItem` s that reached the "speakers", in play order.
    """

    def __init__(self, seconds_per_word: float = 0.06, *, first_audio_delay: float = 0.0,
                 default_dance_seconds: float = 1.0, time_scale: float = 1.0) -> None:
        if seconds_per_word < 0 or first_audio_delay < 0 or time_scale <= 0:
            raise InputError("seconds_per_word and first_audio_delay must be >= 0, "
                             "time_scale > 0")
        self.seconds_per_word = seconds_per_word
        self.first_audio_delay = first_audio_delay
        self.default_dance_seconds = default_dance_seconds
        self.time_scale = time_scale
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.performed: list[PerformedItem] = []
        self.emotion: Emotion = Emotion.NEUTRAL
        self.intensity = 0.6
        self.overlay: dict[str, Any] | None = None
        self.gestures: list[str] = []
        self.interrupts = 0
        self._order = itertools.count()
        self._queue: list[tuple[int, int, SpeechHandle, PerformedItem]] = []
        self._wakeup: asyncio.Event | None = None
        self._worker: asyncio.Task[None] | None = None
        self._current: tuple[SpeechHandle, PerformedItem] | None = None
        self._play_task: asyncio.Task[None] | None = None
        self.outputs: list[Any] = []
        self.started = False
        self.warmed = False

    streams_ticks = False
    """It simulates timing only: outputs are accepted but get no ticks."""

    # -- protocol --------------------------------------------------------------------
    async def say(self, text: str, *, emotion: Emotion | None = None,
                  intensity: float | None = None, priority: int = 0, source: str = "host",
                  gestures: Sequence[str] = ()) -> SpeechHandle:
        if not text.strip():
            raise InputError("say: text is empty")
        self.calls.append(("say", {"text": text, "emotion": emotion, "intensity": intensity,
                                   "priority": priority, "source": source,
                                   "gestures": tuple(gestures)}))
        handle = SpeechHandle(text=text, kind="say", priority=priority, source=source)
        words = max(1, len(text.split()))
        item = PerformedItem("say", text, source, priority, emotion, tuple(gestures),
                             handle.queued_at, extra={"seconds": words * self.seconds_per_word})
        self._enqueue(handle, item)
        return handle

    async def dance(self, music: Path | None, *, duration: float | None = None,
                    style: str | None = None) -> SpeechHandle:
        self.calls.append(("dance", {"music": music, "duration": duration, "style": style}))
        handle = SpeechHandle(text=f"<dance {style or 'free'}>", kind="dance")
        seconds = self.default_dance_seconds if duration is None else duration
        item = PerformedItem("dance", handle.text, "host", 0, None, (), handle.queued_at,
                             extra={"seconds": seconds, "music": music, "style": style})
        self._enqueue(handle, item)
        return handle

    async def sing(self, score: Path, *, backing: str | Path | None = None,
                   style: str | None = None, emotion: Emotion | None = None,
                   intensity: float | None = None, finale: bool = False,
                   transpose: int | str = "auto", priority: int = 0,
                   backing_start: float = 0.0) -> SpeechHandle:
        """Plays for the score's length (the score is read, so bad scores fail here too)."""
        from vhuman.models.sing import load_score
        from vhuman.stage.live.songs import check_song_request

        check_song_request(score, backing, style)
        self.calls.append(("sing", {"score": score, "backing": backing, "style": style,
                                    "emotion": emotion, "finale": finale,
                                    "transpose": transpose,
                                    "backing_start": backing_start}))
        handle = SpeechHandle(text=f"<sing {Path(score).name}>", kind="sing", priority=priority)
        seconds = load_score(score).duration
        item = PerformedItem("sing", handle.text, "host", priority, emotion, (),
                             handle.queued_at, extra={"seconds": seconds, "score": score,
                                                      "style": style, "finale": finale})
        self._enqueue(handle, item)
        return handle

    async def interrupt(self, reason: str = "") -> None:
        self.calls.append(("interrupt", {"reason": reason}))
        self.interrupts += 1
        for _, _, handle, _item in self._queue:
            handle.mark_done(False)
        self._queue.clear()
        if self._play_task is not None and not self._play_task.done():
            self._play_task.cancel()

    async def set_emotion(self, emotion: Emotion, intensity: float = 0.6) -> None:
        self.calls.append(("set_emotion", {"emotion": emotion, "intensity": intensity}))
        self.emotion, self.intensity = Emotion.parse(emotion), intensity

    async def gesture(self, name: str) -> None:
        self.calls.append(("gesture", {"name": name}))
        self.gestures.append(name)

    async def show_overlay(self, card: dict[str, Any] | None) -> None:
        self.calls.append(("show_overlay", {"card": card}))
        self.overlay = card

    def metrics_registry(self) -> None:
        """The fake keeps no metrics."""
        return None

    def status(self) -> dict[str, Any]:
        current = self._current
        return {
            "speaking": current is not None,
            "current": current[1].text if current else None,
            "queue_depth": len(self._queue),
            "emotion": self.emotion.value,
            "overlay": self.overlay,
            "fps": 30.0,
            "dropped_frames": 0,
            "latency": {"tts_first_audio": self.first_audio_delay},
        }

    # -- helpers for tests -----------------------------------------------------------
    def spoken(self, *, completed_only: bool = False) -> list[str]:
        """Texts of utterances that started playing (optionally only finished ones)."""
        return [p.text for p in self.performed
                if p.kind == "say" and (p.completed or not completed_only)]

    async def idle(self, timeout: float = 10.0) -> None:
        """Wait until nothing is playing or queued."""
        deadline = time.monotonic() + timeout
        while self._queue or self._current is not None:
            if time.monotonic() > deadline:
                raise TimeoutError("FakePerformer still busy")
            await asyncio.sleep(0.005)

    async def start(self) -> None:
        self.started = True

    async def warm_up(self) -> None:
        self.warmed = True

    def add_output(self, output: Any) -> Any:
        self.outputs.append(output)
        return output

    def remove_output(self, output: Any) -> None:
        if output in self.outputs:
            self.outputs.remove(output)

    async def close(self) -> None:
        await self.interrupt("close")
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None

    # -- internals -------------------------------------------------------------------
    def _enqueue(self, handle: SpeechHandle, item: PerformedItem) -> None:
        heapq.heappush(self._queue, (-item.priority, next(self._order), handle, item))
        if self._worker is None or self._worker.done():
            self._wakeup = asyncio.Event()
            self._worker = asyncio.create_task(self._run(), name="FakePerformer")
        assert self._wakeup is not None
        self._wakeup.set()

    async def _run(self) -> None:
        assert self._wakeup is not None
        while True:
            if not self._queue:
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            _, _, handle, item = heapq.heappop(self._queue)
            self._current = (handle, item)
            self._play_task = asyncio.create_task(self._play(handle, item))
            try:
                # wait() does not raise when the play task is cancelled by an interrupt;
                # cancelling the worker itself still propagates.
                await asyncio.wait({self._play_task})
            finally:
                if not self._play_task.done():
                    self._play_task.cancel()
                item.ended_at = time.monotonic()
                handle.mark_done(item.completed)
                self._current = None
                self._play_task = None

    async def _play(self, handle: SpeechHandle, item: PerformedItem) -> None:
        if self.first_audio_delay:
            await asyncio.sleep(self.first_audio_delay / self.time_scale)
        item.started_at = time.monotonic()
        self.performed.append(item)
        handle.mark_started(item.started_at)
        await asyncio.sleep(float(item.extra["seconds"]) / self.time_scale)
        item.completed = True


class FakeBrain:
    """Replies ``"Thanks for asking about <topic>. <n> words..."`` deterministically, in
    ``sentences`` sentences, after ``delay`` seconds; records what it was asked."""

    def __init__(self, sentences: int = 2, delay: float = 0.0) -> None:
        self.sentences = sentences
        self.delay = delay
        self.asked: list[tuple[str, str]] = []
        self.contexts: list[ReplyContext | None] = []

    async def reply_stream(self, message: str, viewer: str | None = None,
                           opener: bool | None = None,
                           context: ReplyContext | None = None) -> AsyncIterator[ReplySentence]:
        self.asked.append((message, str(viewer)))
        self.contexts.append(context)
        topic = " ".join(message.split()[:4]).rstrip("?!.")
        for i in range(self.sentences):
            if self.delay:
                await asyncio.sleep(self.delay)
            text = f"Thanks for asking about {topic}." if i == 0 else f"Sentence {i + 1} here."
            yield ReplySentence(text, Emotion.HAPPY, 0.6, ["nod"] if i == 0 else [], "llm", i)


FakePassage = Passage
"""A cited passage, as the Q&A engine gives them (the real type)."""
FakeAnswer = Answer
"""A grounded answer, as the Q&A engine gives them (the real type)."""


class FakeQA:
    """Answers from a dict of question keyword -> fact; unknown questions are refused."""

    def __init__(self, facts: dict[str, str], delay: float = 0.0) -> None:
        self.facts = facts
        self.delay = delay

    async def answer_async(self, question: str) -> Answer:
        if not question.strip():
            raise InputError("question must not be empty")
        if self.delay:
            await asyncio.sleep(self.delay)
        for key, fact in self.facts.items():
            if key.lower() in question.lower():
                return FakeAnswer(fact, [FakePassage("facts.md", 0, len(fact), fact, 0.9)],
                                  0.9, True)
        return FakeAnswer("I don't know that yet.", [], 0.1, False)
