"""A guest's media as the program takes it: the newest picture and a short audio buffer.

Whatever the browser sends — portrait, 4K, 5 fps, a camera that stops — is brought to a
bounded shape on arrival (the long side at most ``max_side`` pixels, aspect kept), so the
compositor's cost does not depend on the guest's camera. A picture older than
``stale_s`` counts as no picture (the layout shows the guest's name card instead of a
frozen face). Audio is resampled to the program's rate and kept in a buffer of at most
``max_buffer_s`` (the oldest is dropped: the guest's voice never drifts behind their
picture); the
program pulls exactly one tick's samples at a time, zeros when there are none.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

import numpy as np

MAX_SIDE = 640


def fit_side(image: np.ndarray, max_side: int = MAX_SIDE) -> np.ndarray:
    """``image`` (H, W, 3) uint8 scaled down so its long side is at most ``max_side``."""
    h, w = image.shape[:2]
    scale = max_side / max(h, w)
    if scale >= 1.0:
        return np.ascontiguousarray(image[..., :3])
    return resize(image, max(2, int(round(w * scale))), max(2, int(round(h * scale))))


def resize(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """A resized RGB copy (libswscale through PyAV, bilinear: several times faster than
    Pillow for the large upscales a full-frame guest needs)."""
    import av

    rgb = np.ascontiguousarray(image[..., :3])
    if rgb.shape[1] == width and rgb.shape[0] == height:
        return rgb if rgb is not image else rgb.copy()
    frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
    return frame.reformat(width=width, height=height, interpolation="BILINEAR").to_ndarray()


class GuestMedia:
    """The newest picture and buffered voice of one guest (thread-safe)."""

    def __init__(self, sample_rate: int, *, max_side: int = MAX_SIDE, stale_s: float = 2.0,
                 max_buffer_s: float = 0.1, clock: Callable[[], float] = time.monotonic) -> None:
        self.sample_rate = sample_rate
        self.max_side, self.stale_s, self.max_buffer_s = max_side, stale_s, max_buffer_s
        self._clock = clock
        self._lock = threading.Lock()
        self._image: np.ndarray | None = None
        self._image_at = -1e9
        self._audio: deque[np.ndarray] = deque()
        self._queued = 0
        self.frames = 0
        self.source_size: tuple[int, int] | None = None
        self.audio_dropped = 0
        self.level = 0.0
        """Recent loudness (RMS of the last chunk), for the host's meters."""

    def push_image(self, image: np.ndarray) -> None:
        small = fit_side(image, self.max_side)
        with self._lock:
            self._image, self._image_at = small, self._clock()
            self.frames += 1
            self.source_size = (int(image.shape[1]), int(image.shape[0]))

    def image(self) -> np.ndarray | None:
        """The newest picture, or None when there is none or it is stale."""
        with self._lock:
            if self._image is None or self._clock() - self._image_at > self.stale_s:
                return None
            return self._image

    def push_audio(self, samples: np.ndarray, sample_rate: int) -> None:
        """Mono float32 samples at ``sample_rate`` (resampled to the program's)."""
        samples = np.asarray(samples, np.float32).reshape(-1)
        if sample_rate != self.sample_rate and len(samples):
            from scipy.signal import resample_poly

            g = np.gcd(int(sample_rate), int(self.sample_rate))
            samples = resample_poly(samples, self.sample_rate // g,
                                    int(sample_rate) // g).astype(np.float32)
        samples = np.nan_to_num(samples, nan=0.0, posinf=0.0, neginf=0.0)
        if len(samples):
            self.level = float(np.sqrt(np.mean(samples ** 2)))
        limit = int(self.max_buffer_s * self.sample_rate)
        with self._lock:
            self._audio.append(samples)
            self._queued += len(samples)
            while self._queued > limit and self._audio:
                dropped = self._audio.popleft()
                self._queued -= len(dropped)
                self.audio_dropped += len(dropped)

    def pull_audio(self, count: int) -> np.ndarray:
        """Exactly ``count`` samples (zeros where the guest sent nothing)."""
        out = np.zeros(count, np.float32)
        filled = 0
        with self._lock:
            while filled < count and self._audio:
                head = self._audio[0]
                take = min(count - filled, len(head))
                out[filled:filled + take] = head[:take]
                filled += take
                if take == len(head):
                    self._audio.popleft()
                else:
                    self._audio[0] = head[take:]
                self._queued -= take
        return out

    def clear(self) -> None:
        with self._lock:
            self._image = None
            self._audio.clear()
            self._queued = 0
