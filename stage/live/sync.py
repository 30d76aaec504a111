"""Audio/video sync measured from the output: mouth opening vs. audio energy.

The mouth-open signal (one value per video frame, e.g. measured from the pixels of the
mouth region) and the audio RMS envelope are resampled to 1 kHz, normalised, and
cross-correlated; the lag of the peak is the offset. Positive: the video is late.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from vhuman.models.types import InputError

RATE = 1000.0  # Hz of the common grid: 1 ms resolution


def audio_envelope(samples: np.ndarray, sample_rate: int, window_s: float = 0.03) -> np.ndarray:
    """RMS envelope of ``samples`` on the 1 kHz grid (centred windows)."""
    samples = np.asarray(samples, np.float64).reshape(-1)
    hop = sample_rate / RATE
    n = int(len(samples) / hop)
    half = int(window_s * sample_rate / 2)
    power = np.concatenate([[0.0], np.cumsum(samples * samples)])
    centres = (np.arange(n) * hop + hop / 2).astype(np.int64)
    lo = np.clip(centres - half, 0, len(samples))
    hi = np.clip(centres + half, 0, len(samples))
    return np.sqrt((power[hi] - power[lo]) / np.maximum(hi - lo, 1))


def video_signal(per_frame: np.ndarray, fps: float, duration_s: float) -> np.ndarray:
    """A per-frame signal held for each frame's display time, on the 1 kHz grid."""
    t = np.arange(int(duration_s * RATE)) / RATE
    idx = np.clip((t * fps).astype(np.int64), 0, len(per_frame) - 1)
    return np.asarray(per_frame, np.float64)[idx]


def av_offset(mouth: np.ndarray, fps: float, audio: np.ndarray, sample_rate: int,
              max_lag_s: float = 0.25, shown: np.ndarray | None = None
              ) -> tuple[float, float]:
    """(offset seconds, peak correlation 0..1) of the mouth signal against audio energy.

    ``shown`` (one bool per video frame) limits the comparison to those frames, e.g. the
    freshly rendered ones of a live recording (a held picture repeats an older pose)."""
    if len(mouth) < 10 or len(audio) < sample_rate // 4:
        raise InputError("av_offset needs at least 10 frames and 0.25 s of audio")
    env = audio_envelope(audio, sample_rate)
    vid = video_signal(mouth, fps, len(env) / RATE)
    n = min(len(env), len(vid))
    mask = np.ones(n) if shown is None else \
        (video_signal(np.asarray(shown, np.float64), fps, len(env) / RATE)[:n] > 0.5)
    mask = mask.astype(np.float64)
    a = env[:n] - env[:n].mean()
    v = vid[:n] - np.average(vid[:n], weights=np.maximum(mask, 1e-12))
    spread = np.sqrt(np.average(v ** 2, weights=np.maximum(mask, 1e-12)))
    if a.std() < 1e-9 or spread < 1e-9:
        raise InputError("av_offset: audio or mouth signal is constant (nothing said?)")
    a, v = a / a.std(), v / spread
    max_lag = int(max_lag_s * RATE)
    lags = np.arange(-max_lag, max_lag + 1)
    corr = np.array([np.dot(a[max(0, -k):n - max(0, k)],
                            (v * mask)[max(0, k):n - max(0, -k)])
                     / max(mask[max(0, k):n - max(0, -k)].sum(), 1.0)
                     for k in lags.tolist()])
    best = int(np.argmax(corr))
    return float(lags[best] / RATE), float(corr[best])


def mouth_track_from_file(path: str, mouth_openness: Callable[[np.ndarray], float], *,
                          max_seconds: float | None = None, from_seconds: float = 0.0
                          ) -> tuple[np.ndarray, float, np.ndarray, int]:
    """Decode a recording from ``from_seconds`` for ``max_seconds`` (or to the end): per-frame
    ``mouth_openness(image)``, fps, audio, sample rate (both tracks cut to the same window)."""
    import av

    values: list[float] = []
    v0: float | None = None  # time of the first measured picture: the audio starts there too
    chunks: list[tuple[float, np.ndarray]] = []
    sr, fps = 0, 0.0
    end = None if max_seconds is None else from_seconds + max_seconds
    with av.open(str(path)) as c:
        vs = c.streams.video[0]
        fps = float(vs.average_rate or vs.guessed_rate or 0)
        passed: set[int] = set()
        streams = list(c.streams.video[:1]) + list(c.streams.audio[:1])
        for packet in c.demux(*streams):
            if end is not None and packet.pts is not None and packet.time_base and \
                    float(packet.pts * packet.time_base) > end:
                passed.add(packet.stream.index)  # the streams interleave: stop once both pass
                if len(passed) == len(streams):
                    break
                continue
            for frame in packet.decode():  # every packet decodes: frames depend on earlier ones
                if not isinstance(frame, (av.VideoFrame, av.AudioFrame)):
                    continue
                t = float(frame.time) if frame.time is not None else 0.0
                if isinstance(frame, av.VideoFrame):
                    if t >= from_seconds - 1e-6 and (end is None or t < end):
                        v0 = t if v0 is None else v0
                        values.append(mouth_openness(frame.to_ndarray(format="rgb24")))
                elif isinstance(frame, av.AudioFrame):
                    sr = frame.sample_rate
                    if t + frame.samples / sr > from_seconds - 1.0:
                        chunks.append((t, frame.to_ndarray().mean(axis=0)))
    if v0 is None or not chunks:
        raise InputError(f"{path}: no video or audio from {from_seconds} s on")
    t_audio = chunks[0][0]
    audio = np.concatenate([a for _, a in chunks]).astype(np.float32)
    return np.array(values), fps, audio[max(0, int(round((v0 - t_audio) * sr))):], sr


class MouthMeter:
    """Mouth opening of any character measured from its pixels, calibrated on two renders.

    ``closed`` and ``opened`` are the same pose rendered with the mouth shut and wide open:
    where the open render is much darker is the inside of the mouth (the box is that region
    grown by ``margin`` pixels, so head sway keeps it inside; its median colour is the
    mouth colour). A frame's openness is the fraction of the box within ``tolerance`` (sum of
    absolute RGB differences) of that colour — what a viewer sees as an open mouth.
    """

    def __init__(self, closed: np.ndarray, opened: np.ndarray, *, margin: int = 16,
                 tolerance: int = 60) -> None:
        if closed.shape != opened.shape:
            raise InputError(f"MouthMeter: closed {closed.shape} and opened {opened.shape} "
                             "renders differ in size")
        a, b = closed[..., :3].astype(np.int32), opened[..., :3].astype(np.int32)
        changed = np.abs(a - b).sum(axis=2) > 60
        if changed.sum() < 4:
            raise InputError("MouthMeter: opening the mouth changed no pixels (no mouth "
                             "shapes on this character, or the camera does not see the face)")
        # the inside of the mouth is what turns dark; a moving chin only shifts skin tones
        darker = (a.sum(axis=2) - b.sum(axis=2)) > 120
        inside = darker if darker.sum() >= 4 else changed
        ys, xs = np.nonzero(inside)
        h, w = changed.shape
        self.box = (max(0, int(ys.min()) - margin), min(h, int(ys.max()) + margin + 1),
                    max(0, int(xs.min()) - margin), min(w, int(xs.max()) + margin + 1))
        self.colour = np.median(b[inside], axis=0)
        self.tolerance = tolerance
        self.closed_level = self(closed)
        self.open_level = self(opened)

    def __call__(self, image: np.ndarray) -> float:
        y0, y1, x0, x1 = self.box
        region = image[y0:y1, x0:x1, :3].astype(np.int32)
        near = np.abs(region - self.colour).sum(axis=2) <= self.tolerance
        return float(near.mean())
