"""The tick grid shared by the audio clock and the render thread.

Tick ``k`` covers the audio from ``k / fps`` to ``(k + 1) / fps``. Ticks are *claimed* in
order, exactly once: claiming reads the tick's audio slice from the
:class:`~stage.live.audio.AudioRing` and fixes its pose (speech row under the audio
playhead, idle or dance, crossfades, live gestures). Two parties claim:

- the render thread claims a few ticks *ahead* of the playhead (``lookahead``), renders
  their poses and delivers the pictures into their slots;
- the audio clock *takes* tick after tick on time; when the render thread has not claimed
  a tick yet, the clock claims it itself (cheap: no rendering) and repeats a picture.

A picture therefore always belongs to the tick whose audio decided its pose, so A/V sync
is exact by construction; a slow renderer only costs repeated pictures, never late audio,
and a picture that misses its tick is dropped, never shown late (the video never lags
the sound, however busy the machine).
The lock is held for slice reads and small numpy work only (never a render or TTS call).
An interrupt drops the claimed, unplayed ticks (audio and pictures) and fades the pose
from the one on screen.

Not in real time (``realtime=False``: rendering a file), a tick is claimed only once its
audio is settled — the ring holds all of its samples, or the voice has nothing more to
add, or the tick is within an explicit :meth:`hold` — so a slow voice never leaves a
gap, and the clock waits for every tick's own picture.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from vhuman.animation.clip import MotionClip
from vhuman.models.types import Emotion

from .audio import AudioRing, AudioSegment, AudioSlice
from .gestures import GestureOverlay
from .motion import MotionMixer, MotionSource

log = logging.getLogger(__name__)


@dataclass(eq=False)
class TickSlot:
    """One claimed tick: its audio, its pose, and (once rendered) its picture."""

    index: int
    audio: AudioSlice
    pose: MotionClip
    utterance: Any
    epoch: int
    claimed_by: str
    image: np.ndarray | None = None
    voices: dict[str, np.ndarray] | None = None
    """Other voices of the program for this tick (guests, by id), taken when claimed."""


@dataclass
class Shown:
    """The picture a tick shows: ``rendered`` when it was made for this very tick."""

    image: np.ndarray | None
    index: int
    utterance: Any
    rendered: bool
    late: bool = False


class Timeline:
    """Ordered tick claims, pre-rendered pictures and interrupts (thread-safe)."""

    def __init__(self, ring: AudioRing, motion: MotionSource, fps: float, *,
                 fade_s: float = 0.1, idle_window_s: float = 2.0, seed: int = 0) -> None:
        self.ring = ring
        self.motion = motion
        self.fps = float(fps)
        self.sample_rate = ring.sample_rate
        self.idle_frames = max(1, int(idle_window_s * self.fps))
        self.seed = seed
        self.mixer = MotionMixer(self.fps, fade_s)
        self.gestures = GestureOverlay(self.fps)
        self.emotion, self.intensity = Emotion.NEUTRAL, 0.6
        self.cond = threading.Condition(threading.Lock())
        self.next_tick = 0
        """The next tick to claim."""
        self.playhead = 0
        """The next tick the clock plays."""
        self.epoch = 0
        self._slots: dict[int, TickSlot] = {}
        self._idle: MotionClip | None = None
        self._idle_start = 0
        self._on_screen: MotionClip | None = None
        self._shown = Shown(None, -1, None, False)
        self.claimed = {"render": 0, "clock": 0, "skipped": 0}
        self.late_dropped = 0
        """Pictures that arrived after their tick played: dropped (shown late they would
        put the video behind the sound)."""
        self.realtime = True
        self.speech_busy: Callable[[], bool] = lambda: False
        self.speech_waiting: Callable[[], bool] = lambda: False
        """The voice holds its next segment until the ring drains (not real time: the
        tick that ends the ring's audio may then play, its rest silent)."""
        """Not real time: whether the voice may still add audio (then ticks wait for it)."""
        self.hold_through = -1
        """Not real time: ticks up to this index may be claimed even without audio."""
        self.program_audio: Callable[[int], dict[str, np.ndarray] | None] = \
            lambda count: None
        """Guests' audio for a tick of ``count`` samples, pulled when the tick is claimed
        (when its picture takes their newest frame: their voice and face stay together)."""
        self.look: Callable[[MotionClip, bool], None] | None = None
        """Turns a claimed pose toward a guest (``pose``, ``speaking``), after gestures."""
        self.margin = 1.5
        """Aim for ticks due at least ``margin`` x the frame time ahead: render times jitter
        under load, and a picture that misses its tick is dropped (a repeat instead)."""

    # -- claims --------------------------------------------------------------------------
    def samples_in(self, index: int) -> int:
        """Samples tick ``index`` carries (the grid rounds, so it never drifts)."""
        sr, fps = self.sample_rate, self.fps
        return int(round((index + 1) * sr / fps)) - int(round(index * sr / fps))

    def _claim_through(self, last: int, by: str, lead: int = 0) -> list[TickSlot]:
        """Claim ticks through ``last``; the last one's pose is taken ``lead`` ticks later
        (a picture shown for several ticks shows the middle of its time on screen)."""
        made = []
        while self.next_tick <= last:
            k = self.next_tick
            audio = self.ring.read(self.samples_in(k))
            pose, utterance = self._pose_for(audio, k, lead if k == last else 0)
            slot = TickSlot(k, audio, pose, utterance, self.epoch, by,
                            voices=self.program_audio(len(audio.samples)))
            self._slots[k] = slot
            self.claimed[by] += 1
            self.next_tick += 1
            made.append(slot)
        return made

    def _pose_for(self, audio: AudioSlice, index: int, lead: int = 0) -> tuple[MotionClip, Any]:
        first = audio.first
        utterance = None
        speaking = first is not None and first[0].motion is not None
        if first is not None and speaking:
            seg, offset = first
            row = int(round(offset * self.fps / self.sample_rate)) + lead
            pose = self.mixer.pose(seg.motion, row, seg)
            utterance = seg.utterance
        else:
            if self._idle is None or not 0 <= index - self._idle_start < self._idle.num_frames:
                self._idle_start = index
                self._idle = self.motion.idle(index, self.idle_frames, emotion=self.emotion,
                                              intensity=self.intensity, seed=self.seed)
            if first is not None:
                utterance = first[0].utterance
            pose = self.mixer.pose(self._idle, index + lead - self._idle_start, "idle")
        self.gestures.apply(pose, index + lead)
        if self.look is not None:
            self.look(pose, speaking)
        return pose, utterance

    def reset_idle(self, emotion: Emotion, intensity: float) -> None:
        """New resting face: the next idle window is made with it."""
        with self.cond:
            self.emotion, self.intensity = emotion, intensity
            self._idle = None

    def start_gesture(self, name: str) -> int:
        """Play ``name`` from the first unclaimed tick; returns that tick."""
        with self.cond:
            at = self.next_tick
            self.gestures.start(name, at)
            return at

    def plan(self, due: Callable[[int], float], now: float, frame_s: float, *,
             lookahead: int, batch: int, stride: int = 1) -> list[TickSlot]:
        """Ticks for the render thread to render now (may be empty: wait and retry).

        Picks the first unclaimed tick whose picture can still be ready before it is due
        (``frame_s``: the render time per frame) within ``lookahead`` ticks of the
        playhead; ticks before it are claimed audio-only (they will repeat a picture).
        Up to ``batch`` consecutive ticks are returned, so skinning runs in small batches.
        With ``stride`` > 1 (reduced picture rate) only ticks whose index is a multiple of
        it are rendered, one at a time.
        """
        with self.cond:
            limit = self.playhead + lookahead - 1
            if not self.realtime:
                limit = self._settled_through(limit)
                if limit < self.next_tick:
                    return []
                return self._claim_through(min(self.next_tick + max(1, batch) - 1, limit),
                                           "render")
            room = limit - self.next_tick + 1
            if room <= 0:
                return []
            if room < batch and due(self.next_tick) - now > frame_s * (batch + 1):
                return []  # on time: wait for room to skin a whole batch
            target = self.next_tick
            while target < limit and due(target) - now < frame_s * self.margin:
                target += 1
            lead = 0
            if stride > 1:
                target += (-target) % stride
                if target > limit:
                    return []  # no picture due in reach: the clock claims these itself
                batch = 1
                # shown for ``stride`` ticks: sample the pose near the middle of that time
                # (rounded down: a picture slightly early is less noticeable than late)
                lead = (stride - 1) // 2
            if target > self.next_tick:
                skipped = self._claim_through(target - 1, "render")
                self.claimed["skipped"] += len(skipped)
            last = min(target + max(1, batch) - 1, limit)
            return self._claim_through(last, "render", lead)

    def _settled_through(self, limit: int) -> int:
        """The last tick up to ``limit`` whose audio is settled (not real time)."""
        queued = self.ring.queued_samples
        busy = self.speech_busy()
        if not busy and self.ring.queued_segments:
            # the voice is done: play out what is left (at least one tick, which also
            # consumes the end-of-utterance marker), and not a tick of silence more
            last, need = self.next_tick, self.samples_in(self.next_tick)
            while need < queued and last < limit:
                last += 1
                need += self.samples_in(last)
            return max(last, min(self.hold_through, limit))
        last, need = self.next_tick - 1, 0
        waiting = busy and self.speech_waiting()
        for k in range(self.next_tick, limit + 1):
            before = need
            need += self.samples_in(k)
            if need > queued and k > self.hold_through:
                if waiting and before < queued:
                    last = k  # the ring's last partial tick: nothing more can come first
                break
            last = k
        return last

    def hold(self, ticks: int) -> int:
        """Not real time: let ``ticks`` more ticks play after what is claimed (idle or the
        tail of a line); returns the index of the last one."""
        with self.cond:
            self.hold_through = max(self.hold_through, self.next_tick - 1) + ticks
            self.cond.notify_all()
            return self.hold_through

    def rendered(self, index: int) -> bool:
        """Whether tick ``index`` has its own picture (call with :attr:`cond` held)."""
        slot = self._slots.get(index)
        return slot is not None and slot.image is not None

    def wait(self, timeout: float) -> None:
        """Sleep until the clock moves (or ``timeout``)."""
        with self.cond:
            self.cond.wait(timeout)

    def deliver(self, slot: TickSlot, image: np.ndarray) -> bool:
        """The render thread's picture for ``slot``; False when its tick has already
        played (the picture is dropped: shown now, it would be late)."""
        with self.cond:
            if slot.epoch != self.epoch:
                return False
            if slot.index >= self.playhead:
                slot.image = image
                self.cond.notify_all()
                return True
            self.late_dropped += 1
            return False

    # -- the clock -----------------------------------------------------------------------
    def take(self, index: int) -> tuple[TickSlot, Shown]:
        """Tick ``index`` for the clock (claimed now if nobody did) and the picture to show:
        its own, else the newest earlier one (a repeat)."""
        with self.cond:
            if self.next_tick <= index:
                if self.next_tick < index:  # the grid jumped (clock resync): skip silently
                    self.next_tick = index
                self._claim_through(index, "clock")
            slot = self._slots.pop(index)
            for k in [k for k in self._slots if k < index]:
                del self._slots[k]
            self.playhead = index + 1
            self._on_screen = slot.pose
            if slot.image is not None:
                self._shown = Shown(slot.image, index, slot.utterance, True)
            else:
                self._shown = Shown(self._shown.image, self._shown.index, self._shown.utterance,
                                    False)
            shown = self._shown
            self.cond.notify_all()
            return slot, shown

    def show_first(self, image: np.ndarray) -> None:
        """The picture to repeat until the first rendered tick (the warm-up frame)."""
        with self.cond:
            if self._shown.image is None:
                self._shown = Shown(image, -1, None, False)

    # -- interrupts ----------------------------------------------------------------------
    def interrupt(self) -> tuple[list[AudioSegment], list[TickSlot]]:
        """Drop queued audio and every claimed, unplayed tick; fade from the pose on
        screen. Returns (dropped segments, dropped slots)."""
        with self.cond:
            self.epoch += 1
            dropped = self.ring.clear()
            slots = sorted(self._slots.values(), key=lambda s: s.index)
            self._slots.clear()
            self.next_tick = self.playhead
            self.mixer.fade_from(self._on_screen)
            self.cond.notify_all()
            return dropped, slots

    def rewind_idle(self) -> int:
        """New audio arrived: when every claimed, unplayed tick is pure silence (nothing
        read from the ring), unclaim them so the audio starts on the next tick instead
        of after the look-ahead. Returns how many ticks were unclaimed."""
        with self.cond:
            pending = [s for s in self._slots.values() if s.index >= self.playhead]
            if not pending or any(s.audio.spans for s in pending):
                return 0
            self.epoch += 1  # pictures in flight for them are not wanted any more
            self._slots.clear()
            self.next_tick = self.playhead
            self.cond.notify_all()
            return len(pending)

    @property
    def ahead(self) -> int:
        """Ticks claimed ahead of the playhead."""
        return self.next_tick - self.playhead
