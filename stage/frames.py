"""Typed frames that flow through the pipeline, in three families (pipecat-style).

- :class:`SystemFrame`: start, interrupt, errors. Never dropped; they jump the queue.
- :class:`DataFrame`: text, audio, motion, video. Dropped from queues on interrupt.
- :class:`ControlFrame`: in-order signals (end of stream, end of utterance, emotion).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import numpy as np

from models.types import AudioChunk, Emotion, SpeakingStyle

_ids = itertools.count(1)


@dataclass(kw_only=True)
class Frame:
    """Base frame: a unique id and the monotonic time it was made."""

    id: int = field(default_factory=lambda: next(_ids))
    created: float = field(default_factory=time.monotonic)

    @property
    def name(self) -> str:
        return f"{type(self).__name__}#{self.id}"


@dataclass(kw_only=True)
class SystemFrame(Frame):
    """Out-of-band frames: processed at once, never queued behind data, never dropped."""


@dataclass(kw_only=True)
class DataFrame(Frame):
    """Content frames: queued in order and dropped on interrupt."""


@dataclass(kw_only=True)
class ControlFrame(Frame):
    """In-order signals that are not content: kept on interrupt."""


# --- system frames -------------------------------------------------------------------


@dataclass(kw_only=True)
class StartFrame(SystemFrame):
    """Sent once when a pipeline starts."""


@dataclass(kw_only=True)
class InterruptFrame(SystemFrame):
    """Stop what is being said now: drop queued data frames and cancel work in flight."""

    reason: str = ""


class ErrorCategory(str, Enum):
    """What kind of failure an :class:`ErrorFrame` reports."""

    INPUT = "input"
    MODEL = "model"
    RENDER = "render"
    OUTPUT = "output"
    INTERNAL = "internal"


@dataclass(kw_only=True)
class ErrorFrame(SystemFrame):
    """A processor failed on a frame; the pipeline goes on."""

    message: str
    category: ErrorCategory = ErrorCategory.INTERNAL
    processor: str = ""
    fatal: bool = False


# --- control frames ------------------------------------------------------------------


@dataclass(kw_only=True)
class EndFrame(ControlFrame):
    """End of the stream: flows after all queued data, then processors stop."""


@dataclass(kw_only=True)
class EndOfUtteranceFrame(ControlFrame):
    """All frames of one utterance (a line, a reply) have been sent."""

    utterance_id: int = 0
    late_gestures: list[str] = field(default_factory=list)
    """Gestures whose place in the text was never reached by the voice (the spoken text
    ran shorter than expected): performed near the end of the utterance."""


@dataclass(kw_only=True)
class EmotionFrame(ControlFrame):
    """The character's emotional state changes (voice, face and body follow)."""

    emotion: Emotion
    intensity: float = 0.6


# --- data frames ---------------------------------------------------------------------


@dataclass(kw_only=True)
class TextFrame(DataFrame):
    """Text to speak (a sentence or a whole line), with the style to speak it in."""

    text: str
    style: SpeakingStyle = field(default_factory=SpeakingStyle)
    utterance_id: int = 0
    gestures: list[tuple[float, str]] = field(default_factory=list)
    """Gestures to perform, as (position in the text 0..1, gesture name)."""


@dataclass(kw_only=True)
class AudioFrame(DataFrame):
    """Synthesized speech with phoneme timings; ``start`` is its offset in the clip (s)."""

    chunk: AudioChunk
    start: float = 0.0
    utterance_id: int = 0
    gestures: list[tuple[float, str]] = field(default_factory=list)
    """Gestures timed in this chunk, as (seconds from the chunk start, gesture name)."""


@dataclass(kw_only=True)
class MotionFrame(DataFrame):
    """Animation for a stretch of video frames: an ``animation.clip.MotionClip``.

    Row ``i`` of the clip is video frame ``first_frame + i`` (shown at that index / fps).
    """

    clip: Any
    first_frame: int = 0

    @property
    def num_frames(self) -> int:
        return int(self.clip.num_frames)


@dataclass(kw_only=True)
class VideoFrame(DataFrame):
    """One rendered image (H, W, 3 or 4) uint8 at presentation time ``pts`` seconds."""

    image: np.ndarray
    pts: float
    index: int = 0


@dataclass(kw_only=True)
class MetadataFrame(DataFrame):
    """Free-form data for outputs (e.g. an overlay card), in order with the content."""

    data: dict[str, Any] = field(default_factory=dict)
