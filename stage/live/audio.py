"""The live audio buffer: queued segments (speech sentences, music) read tick by tick.

Audio is the master clock of the live pipeline: every video tick reads exactly the
samples it covers. A :class:`AudioSegment` carries the samples of one sentence (or a stretch
of music) with the motion that goes with it, so the clock can look up the motion row
matching the audio playhead. Reading past the end yields silence: the stream never stalls.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from vhuman.models.types import InputError
from vhuman.stage.captions.words import SpokenLine


@dataclass(eq=False)
class AudioSegment:
    """A run of samples to play, tagged with the utterance it belongs to.

    ``motion`` is a ``MotionClip`` whose row ``k`` is shown at ``k / fps`` seconds after
    the segment's first sample (None: idle motion while it plays). ``last`` marks the
    final segment of its utterance, so the clock knows when the utterance is done.
    """

    samples: np.ndarray
    utterance: Any = None
    motion: Any = None
    kind: str = "say"
    last: bool = False
    text: str = ""
    line: SpokenLine | None = None
    """The words it says, timed (captions); None for music and silence."""
    position: int = 0
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def remaining(self) -> int:
        return len(self.samples) - self.position


@dataclass
class AudioSlice:
    """What one tick read: the samples and where in which segments they came from.

    ``spans`` lists ``(segment, offset, count)`` in play order; ``finished`` the segments
    whose last sample was in this slice.
    """

    samples: np.ndarray
    spans: list[tuple[AudioSegment, int, int]]
    finished: list[AudioSegment]

    @property
    def silent(self) -> bool:
        return not any(count for _, _, count in self.spans)

    @property
    def first(self) -> tuple[AudioSegment, int] | None:
        """The segment playing at the slice start and the sample offset into it."""
        for seg, offset, count in self.spans:
            if count > 0:
                return seg, offset
        return None


class AudioRing:
    """Thread-safe FIFO of :class:`AudioSegment` s; :meth:`read` never blocks."""

    def __init__(self, sample_rate: int) -> None:
        if sample_rate <= 0:
            raise InputError(f"sample_rate must be positive, got {sample_rate}")
        self.sample_rate = sample_rate
        self._segments: deque[AudioSegment] = deque()
        self._lock = threading.Lock()
        self.samples_played = 0

    def push(self, segment: AudioSegment) -> None:
        """Queue a segment (mono float32 samples at :attr:`sample_rate`)."""
        samples = np.asarray(segment.samples, dtype=np.float32).reshape(-1)
        if not np.all(np.isfinite(samples)):
            raise InputError("audio segment contains NaN or inf samples")
        segment.samples = samples
        with self._lock:
            self._segments.append(segment)

    def read(self, count: int) -> AudioSlice:
        """Take ``count`` samples; zeros fill whatever the queue cannot cover."""
        out = np.zeros(count, np.float32)
        spans: list[tuple[AudioSegment, int, int]] = []
        finished: list[AudioSegment] = []
        filled = 0
        with self._lock:
            while filled < count and self._segments:
                seg = self._segments[0]
                take = min(count - filled, seg.remaining)
                out[filled:filled + take] = seg.samples[seg.position:seg.position + take]
                spans.append((seg, seg.position, take))
                seg.position += take
                filled += take
                if seg.remaining <= 0:
                    finished.append(self._segments.popleft())
            # an end-of-utterance marker right after the last sample ends it on this tick
            while self._segments and self._segments[0].remaining <= 0:
                finished.append(self._segments.popleft())
            self.samples_played += filled
        return AudioSlice(out, spans, finished)

    def clear(self) -> list[AudioSegment]:
        """Drop everything queued (interrupt); returns the dropped segments."""
        with self._lock:
            dropped = list(self._segments)
            self._segments.clear()
        return dropped

    @property
    def queued_seconds(self) -> float:
        with self._lock:
            return sum(s.remaining for s in self._segments) / self.sample_rate

    @property
    def queued_samples(self) -> int:
        with self._lock:
            return sum(s.remaining for s in self._segments)

    @property
    def queued_segments(self) -> int:
        with self._lock:
            return len(self._segments)

    def utterances(self) -> list[Any]:
        """Utterances with audio still queued, in order (no duplicates)."""
        with self._lock:
            seen: list[Any] = []
            for seg in self._segments:
                if seg.utterance is not None and seg.utterance not in seen:
                    seen.append(seg.utterance)
            return seen
