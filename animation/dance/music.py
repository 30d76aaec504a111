"""Music analysis with librosa: tempo, beats, downbeats/bars, onset strength, energy, sections.

Bad input gets a clear :class:`~models.types.InputError` (missing, corrupt or silent file)
or a sensible fallback (a clip too short to track gets a steady grid at 120 BPM, a very
long one is analysed up to ``max_seconds``).
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vhuman.models.types import InputError

log = logging.getLogger(__name__)

ANALYSIS_SR = 22050
HOP = 256
DEFAULT_BPM = 120.0


@dataclass
class MusicAnalysis:
    """What the choreographer needs to know about a piece of music (times in seconds)."""

    duration: float
    tempo: float
    beats: np.ndarray  # (N,) beat times
    downbeat_phase: int  # index of the first downbeat among ``beats`` (0..3)
    frame_times: np.ndarray  # (F,) times of the envelopes below
    onset: np.ndarray  # (F,) onset strength, 0..1
    energy: np.ndarray  # (F,) loudness, 0..1, smoothed
    sections: list[float] = field(default_factory=list)  # section start times (0 first)
    beats_per_bar: int = 4

    @property
    def downbeats(self) -> np.ndarray:
        """Bar starts (s)."""
        return self.beats[self.downbeat_phase :: self.beats_per_bar]

    def beat_position(self, t: np.ndarray) -> np.ndarray:
        """Continuous beat index at times ``t`` (interpolated, extrapolated at the tempo)."""
        t = np.asarray(t, np.float64)
        period = 60.0 / self.tempo
        b = self.beats
        if b.size < 2:
            return (t - (b[0] if b.size else 0.0)) / period
        pos = np.interp(t, b, np.arange(b.size, dtype=np.float64))
        pos = np.where(t < b[0], (t - b[0]) / period, pos)
        return np.where(t > b[-1], b.size - 1 + (t - b[-1]) / period, pos)

    def energy_at(self, t: np.ndarray) -> np.ndarray:
        return np.interp(np.asarray(t, np.float64), self.frame_times, self.energy)


def load_music(
    music: str | Path | np.ndarray, sr: int | None = None, *, max_seconds: float = 600.0
) -> tuple[np.ndarray, int]:
    """Mono float32 audio at :data:`ANALYSIS_SR` from a file path or an array at ``sr``."""
    import librosa

    if isinstance(music, (str, Path)):
        path = Path(music)
        if not path.is_file():
            raise InputError(f"music file not found: {path}")
        try:
            with warnings.catch_warnings():  # librosa warns before its fallback decoder
                warnings.simplefilter("ignore")
                y, rate = librosa.load(str(path), sr=ANALYSIS_SR, mono=True, duration=max_seconds)
        except Exception as exc:  # decoders raise many types for corrupt files
            raise InputError(f"cannot decode music file {path}: {exc}") from None
        try:
            full = librosa.get_duration(path=str(path))
            if full > max_seconds + 1:
                log.warning(
                    "music %s is %.0f s long; dancing to the first %.0f s", path, full, max_seconds
                )
        except Exception:  # noqa: BLE001 - duration is only informative
            pass
        return np.asarray(y, np.float32), int(rate)
    y = np.asarray(music, np.float32)
    if sr is None or sr <= 0:
        raise InputError("sr (sample rate) is required and must be positive for array music")
    if y.ndim == 2:
        y = y.mean(axis=0 if y.shape[0] <= 8 else 1)
    if y.ndim != 1:
        raise InputError(f"music array must be mono (N,) or (channels, N), got shape {y.shape}")
    if not np.all(np.isfinite(y)):
        raise InputError("music array contains NaN or inf")
    y = y[: int(max_seconds * sr)]
    if sr != ANALYSIS_SR:
        y = librosa.resample(y, orig_sr=sr, target_sr=ANALYSIS_SR)
    return y.astype(np.float32), ANALYSIS_SR


def analyze_music(y: np.ndarray, sr: int = ANALYSIS_SR, *, beats_per_bar: int = 4) -> MusicAnalysis:
    """Tempo, beats, downbeats, onset/energy envelopes and section changes of mono audio."""
    import librosa

    y = np.asarray(y, np.float32)
    duration = y.size / float(sr)
    if y.size == 0:
        raise InputError("music is empty")
    if float(np.max(np.abs(y))) < 1e-4:
        raise InputError("music is silent: nothing to dance to")
    onset = librosa.onset.onset_strength(y=y, sr=sr, hop_length=HOP)
    times = librosa.times_like(onset, sr=sr, hop_length=HOP)
    rms = librosa.feature.rms(y=y, hop_length=HOP)[0][: onset.size]
    energy = _normalize(np.convolve(rms, np.ones(21) / 21, mode="same"))
    if duration < 3.0:
        log.info("music is %.1f s long: too short to track, using %g BPM", duration, DEFAULT_BPM)
        tempo = DEFAULT_BPM
        first = times[int(np.argmax(onset))] % (60.0 / tempo) if onset.size else 0.0
        beats = np.arange(first, duration, 60.0 / tempo)
    else:
        tempo_arr, frames = librosa.beat.beat_track(
            onset_envelope=onset, sr=sr, hop_length=HOP, trim=False
        )
        tempo = float(np.atleast_1d(tempo_arr)[0]) or DEFAULT_BPM
        beats = _fix_octave(times[frames], _low_onset(y, sr)[: onset.size], times)
        if beats.size >= 2:
            tempo = 60.0 / float(np.median(np.diff(beats)))
        beats = _refine(beats, y, sr)
        beats = _fill_grid(beats, tempo, duration)
        if beats.size >= 4:
            tempo = 60.0 / float(np.median(np.diff(beats)))
    phase = _downbeat_phase(beats, onset, times, y, sr, beats_per_bar)
    sections = _sections(beats[phase::beats_per_bar], rms, onset, times, duration)
    return MusicAnalysis(
        duration=duration,
        tempo=tempo,
        beats=beats,
        downbeat_phase=phase,
        frame_times=times,
        onset=_normalize(onset),
        energy=energy,
        sections=sections,
        beats_per_bar=beats_per_bar,
    )


def _normalize(x: np.ndarray) -> np.ndarray:
    ref = np.percentile(x, 95) if x.size else 1.0
    return np.clip(x / max(float(ref), 1e-9), 0.0, 1.0)


def _refine(
    beats: np.ndarray, y: np.ndarray, sr: int, before: float = 0.07, after: float = 0.03
) -> np.ndarray:
    """Move each tracked beat onto the attack nearby: the steepest rise of a 3 ms energy envelope.

    Spectral-flux peaks trail the actual attack by a frame or two; the attack is what the
    ear (and the dancer) lock to.
    """
    hop = max(1, sr // 1000 * 3)
    n = y.size // hop
    if n < 4:
        return beats
    frames = y[: n * hop].astype(np.float64).reshape(n, hop)
    env = np.log(np.sqrt(np.mean(frames**2, axis=1)) + 1e-4)
    env = np.convolve(env, np.ones(3) / 3, mode="same")
    rise = np.diff(env, prepend=env[0])
    out = []
    for b in beats:
        lo = max(0, int((b - before) * sr / hop))
        hi = min(n, int((b + after) * sr / hop) + 1)
        if hi - lo < 2:
            out.append(b)
            continue
        k = lo + int(np.argmax(rise[lo:hi]))
        out.append((k - 0.5) * hop / sr if rise[k] > 0.3 else b)
    return np.asarray(out, np.float64)


def _fix_octave(beats: np.ndarray, low: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Halve a double-time track (hi-hats tracked as beats): keep the phase with the kicks."""
    if beats.size < 8:
        return beats
    tempo = 60.0 / float(np.median(np.diff(beats)))
    if tempo < 145:
        return beats
    idx = np.clip(np.searchsorted(times, beats), 0, low.size - 1)
    s = low[idx]
    even, odd = float(s[0::2].mean()), float(s[1::2].mean())
    if max(even, odd) > 1.6 * max(min(even, odd), 1e-9):
        return beats[0::2] if even >= odd else beats[1::2]
    return beats


def _fill_grid(beats: np.ndarray, tempo: float, duration: float) -> np.ndarray:
    """Extend the tracked beats at the tempo to cover the whole piece; fill large gaps."""
    period = 60.0 / tempo
    if beats.size == 0:
        return np.arange(0.0, duration, period)
    filled = [beats[0]]
    for b in beats[1:]:
        gap = b - filled[-1]
        k = int(round(gap / period))
        for _ in range(1, k):
            filled.append(filled[-1] + gap / k)
        filled.append(b)
    arr = np.asarray(filled)
    before = np.arange(arr[0] - period, -period * 0.5, -period)[::-1]
    after = np.arange(arr[-1] + period, duration, period)
    return np.concatenate([before[before >= 0], arr, after])


def _low_onset(y: np.ndarray, sr: int) -> np.ndarray:
    """Onset strength below 200 Hz (kick and bass)."""
    import librosa

    return librosa.onset.onset_strength(y=y, sr=sr, hop_length=HOP, fmax=200.0, n_mels=32)


def _downbeat_phase(
    beats: np.ndarray, onset: np.ndarray, times: np.ndarray, y: np.ndarray, sr: int, bpb: int
) -> int:
    """Which beat of a bar is the downbeat: strongest low end plus harmonic change (chords)."""
    if beats.size < 2 * bpb:
        return 0
    import librosa

    idx = np.clip(np.searchsorted(times, beats), 0, onset.size - 1)
    low = _low_onset(y, sr)
    low_s = low[np.minimum(idx, low.size - 1)]
    chroma = librosa.feature.chroma_stft(y=y, sr=sr, hop_length=HOP)
    sync = np.stack(
        [
            chroma[:, a:b].mean(axis=1) if b > a else chroma[:, min(a, chroma.shape[1] - 1)]
            for a, b in zip(idx, np.append(idx[1:], chroma.shape[1]), strict=False)
        ],
        axis=1,
    )
    sync /= np.maximum(np.linalg.norm(sync, axis=0, keepdims=True), 1e-9)
    change = np.concatenate([[0.0], 1.0 - np.sum(sync[:, 1:] * sync[:, :-1], axis=0)])
    score = low_s / max(float(low_s.max()), 1e-9) + change / max(float(change.max()), 1e-9)
    scores = [float(np.mean(score[p::bpb])) for p in range(bpb)]
    return int(np.argmax(scores))


def _sections(
    downbeats: np.ndarray, rms: np.ndarray, onset: np.ndarray, times: np.ndarray, duration: float
) -> list[float]:
    """Section starts: bars where loudness or onset density jumps (relative change > 40 %)."""
    sections = [0.0]
    if downbeats.size < 3:
        return sections
    edges = np.append(downbeats, duration)
    feats = []
    for a, b in zip(edges[:-1], edges[1:], strict=False):
        m = (times >= a) & (times < b)
        feats.append(
            (float(rms[m].mean()) if m.any() else 0.0, float(onset[m].mean()) if m.any() else 0.0)
        )
    f = np.asarray(feats)
    f = f / np.maximum(f.max(axis=0), 1e-9)
    for k in range(1, len(f)):
        change = np.abs(f[k] - f[k - 1]) / np.maximum(np.maximum(f[k], f[k - 1]), 1e-3)
        if change.max() > 0.4 and downbeats[k] - sections[-1] > 1.5:
            sections.append(float(downbeats[k]))
    return sections
