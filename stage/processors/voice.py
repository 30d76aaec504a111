"""Text → speech: a :class:`TextFrame` becomes :class:`AudioFrame` s, sentence by sentence."""

from __future__ import annotations

import logging

from models.types import InputError

from ..cues import GestureTimer
from ..frames import AudioFrame, EndOfUtteranceFrame, Frame, InterruptFrame, TextFrame
from ..processor import Processor

log = logging.getLogger(__name__)


class VoiceProcessor(Processor):
    """Synthesizes each text frame with a TTS backend, streaming one chunk per sentence.

    Audio frames are stamped with their start on the output timeline (seconds since the
    first sound), so everything downstream can line video up with audio exactly.
    """

    def __init__(self, tts: object, name: str | None = None) -> None:
        super().__init__(name)
        self.tts = tts
        self._clock = 0.0
        self._utterance = 0

    @property
    def seconds_synthesized(self) -> float:
        return self._clock

    async def process(self, frame: Frame) -> None:
        if isinstance(frame, InterruptFrame):
            await self.push(frame)
            return
        if not isinstance(frame, TextFrame):
            await self.push(frame)
            return
        if not frame.text.strip():
            raise InputError("text to speak is empty")
        self._utterance += 1
        utterance = frame.utterance_id or self._utterance
        timer = GestureTimer(frame.text, frame.gestures)
        async for chunk in self.tts.synthesize(frame.text, frame.style):  # type: ignore[attr-defined]
            await self.push(AudioFrame(chunk=chunk, start=self._clock, utterance_id=utterance,
                                       gestures=timer.place(chunk.text, chunk.duration)))
            self._clock += chunk.duration
        await self.push(EndOfUtteranceFrame(utterance_id=utterance,
                                            late_gestures=timer.leftover()))
