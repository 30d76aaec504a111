"""Recording the live output to a file: MP4 (H.264 + AAC) or WebM for compositing.

Compositing in OBS — what is supported and why:

- **Live: chroma key.** OBS users overwhelmingly key a solid green source with OBS's
  built-in *Chroma Key* filter. Start the performer with a green background
  (``PatternRenderer(background="green")`` / ``AvatarRenderer(background="#00b140")``,
  the broadcast "chroma green") and add the RTMP stream (Media Source with the
  nginx-rtmp URL) or the viewer page (Browser Source) to OBS, then add the filter.
  Live H.264/WebRTC video carries no alpha, so keying is the way for live input.
- **Recorded clips: real transparency.** ``RecorderOutput("clip.webm", alpha=True)``
  writes VP9 with an alpha channel (yuva420p); OBS's Media Source plays it with its
  transparency, no keying needed. The renderer must then produce RGBA frames
  (``transparent=True``).

MP4/MOV recordings are *fragmented* (a fragment per 2-s keyframe interval): a plain MP4
muxer keeps an index entry for every packet in memory until the file is closed (measured:
+13.5 MB per hour of 30 fps video + AAC, without bound), and a show killed mid-way leaves
an unplayable file; a fragmented one keeps memory flat and stays playable up to the last
fragment (packets are flushed to disk as they are muxed). ``delay_moov`` keeps the edit
list that compensates the AAC encoder delay (without it the tracks shift apart by 21 ms).
Players, browsers and ffmpeg read it as usual.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from vhuman.models.types import InputError
from vhuman.stage.captions.files import write_captions, write_translation
from vhuman.stage.captions.track import CaptionTrack
from vhuman.stage.captions.translate import configured_translator
from vhuman.stage.media import MediaWriter, check_writable, keyframe_interval

from .base import ThreadedOutput, Tick

if TYPE_CHECKING:  # stage.live imports this package: no runtime cycle
    from vhuman.stage.metrics import Metrics

log = logging.getLogger(__name__)

FRAGMENTED_MP4 = "+frag_keyframe+empty_moov+delay_moov+default_base_moof"
"""MP4 muxer flags of live recordings: a fragment per keyframe (every 2 s), no index
held in memory, playable even when the process dies."""


class RecorderOutput(ThreadedOutput):
    """Writes every tick to ``path`` (``.mp4``, ``.mkv``, ``.flv`` or ``.webm``).

    The file's timeline follows the clock: ticks dropped because the disk or encoder was
    slow are filled (previous picture, silent audio), so audio and video stay aligned.
    """

    drop_on_interrupt = False

    def __init__(self, path: str | Path, *, width: int, height: int, fps: float,
                 sample_rate: int, alpha: bool = False, name: str = "recorder",
                 preset: str = "veryfast", max_queue: int = 60,
                 metrics: Metrics | None = None, lossless: bool = False,
                 fragmented: bool | None = None, captions: bool = True) -> None:
        self.path = check_writable(path)
        if alpha and self.path.suffix.lower() != ".webm":
            raise InputError(f"transparent recording needs a .webm file, got {self.path.name}")
        super().__init__(name, max_queue=max_queue, metrics=metrics, lossless=lossless)
        self.width, self.height, self.fps, self.sample_rate = width, height, fps, sample_rate
        self.alpha, self.preset = alpha, preset
        self.fragmented = (self.path.suffix.lower() in (".mp4", ".mov", ".m4v")
                           if fragmented is None else fragmented)
        """MP4 fragments (default for MP4: flat memory, playable if killed); a file
        rendered off the clock may prefer a plain MP4 (exact audio length in players)."""
        self.captions = CaptionTrack() if captions else None
        """What was said, written as ``.vtt`` and ``.srt`` beside the file when it closes."""
        self._writer: MediaWriter | None = None
        self._first = -1
        self._last = -1

    def open(self) -> None:
        fragmented = self.fragmented
        self._writer = MediaWriter(
            self.path, width=self.width, height=self.height, fps=self.fps,
            sample_rate=self.sample_rate, preset=self.preset, alpha=self.alpha,
            video_options={"g": keyframe_interval(self.fps)} if fragmented else None,
            open_options={"movflags": FRAGMENTED_MP4, "flush_packets": "1"} if fragmented
            else None)
        log.info("recording live output to %s", self.path)

    def write(self, tick: Tick) -> None:
        if self._writer is None:
            return
        if self._first < 0:
            self._first = tick.index
        elif tick.index > self._last + 1:
            missing = tick.index - self._last - 1
            self._writer.write_audio(np.zeros(int(round(missing * self.sample_rate / self.fps)),
                                              np.float32))
        image = tick.image
        if self.alpha and image.shape[2] == 3:
            image = np.concatenate([image, np.full(image.shape[:2] + (1,), 255, np.uint8)], 2)
        self._writer.write_video_at(tick.index - self._first, image)
        self._writer.write_audio(tick.audio)
        self._last = tick.index

    def offer(self, tick: Tick) -> None:
        if self.captions is not None and not self._closing.is_set():
            self.captions.observe(tick)  # before any drop: captions keep every word
        super().offer(tick)

    def finish(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self.captions is not None:
            self.captions.close()
            try:
                cues = self.captions.cues()
                write_captions(self.path, cues)
                translator = configured_translator()
                if translator is not None and cues:  # the second language's track
                    write_translation(self.path, cues, translator.translate_now,
                                      translator.target)
            except Exception as exc:  # noqa: BLE001 - the recording itself is written
                self.errors += 1
                self.last_error = f"captions: {exc}"
                log.warning("could not write captions beside %s: %s", self.path, exc)

    @property
    def first_index(self) -> int:
        """The tick at the start of the file (-1 before the first one)."""
        return self._first

    def stats(self) -> dict[str, Any]:
        return {**super().stats(), "path": str(self.path)}
