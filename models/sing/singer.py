"""Speech-to-singing on a Piper voice: a score in, sung audio and re-timed phonemes out.

The singing voice is the speaking voice. Per phrase: the voice speaks the lyric line
(:mod:`models.sing.lyrics`), its phonemes are placed on the notes
(:mod:`models.sing.timeline`), and the spoken audio is re-timed and re-pitched with the
WORLD vocoder (``pyworld``: F0, spectral envelope, aperiodicity): each output frame takes
the spectral envelope and aperiodicity of the source frame its phoneme maps to (vowels
stretched in their steady middle, transitions kept at speaking rate), the F0 is replaced
by the melody (:mod:`models.sing.melody`), the singer's formant near 3 kHz is lifted,
and the frames are resynthesised. The result is an :class:`~models.types.AudioChunk`
whose phoneme timings are the sung ones, so the existing lip-sync reads it like speech.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from vhuman.models.sing.lyrics import LyricSpeaker, SpokenPhrase, is_vowel
from vhuman.models.sing.melody import SingingStyle, melody_contour
from vhuman.models.sing.score import Score, fit_to_range, hz_to_midi
from vhuman.models.sing.timeline import Placed, SungSyllable, place_phrase
from vhuman.models.tts.phonemes import SILENCE, timings_from_durations
from vhuman.models.types import AudioChunk, FloatArray, PhonemeTiming, SpeakingStyle, VhumanError

logger = logging.getLogger(__name__)

FRAME_MS = 5.0
EDGE_S = 0.03  # vowel onsets/offsets keep their spoken rate for this long
LEAD_IN = 0.25  # s of silence before the first note when the song starts on it
RANGE_BELOW, RANGE_ABOVE = 5, 17  # semitones around the speaking pitch that sing well


@dataclass
class SungSong:
    """What the singer produced: the audio chunk (with sung phoneme timings) and the plan.

    Song times here are times in ``chunk`` (the score's times plus ``offset``).
    """

    chunk: AudioChunk
    score: Score  # as sung (transposed, times as in the score)
    offset: float  # s of lead-in added before the score's time 0
    syllables: list[SungSyllable] = field(default_factory=list)  # times include offset
    placed: list[Placed] = field(default_factory=list)
    f0_times: np.ndarray = field(default_factory=lambda: np.zeros(0))
    f0_target: np.ndarray = field(default_factory=lambda: np.zeros(0))  # Hz, 0 unvoiced
    synth_seconds: float = 0.0

    @property
    def duration(self) -> float:
        return self.chunk.duration

    @property
    def beats(self) -> np.ndarray:
        return self.score.beats + self.offset

    def delayed(self, seconds: float) -> SungSong:
        """The same song starting ``seconds`` later (silence first; every time shifted)."""
        from dataclasses import replace

        sr = self.chunk.sample_rate
        pad = int(round(seconds * sr))
        if pad <= 0:
            return self
        shift = pad / sr
        samples = np.concatenate([np.zeros(pad, np.float32), self.chunk.samples])
        phonemes = [PhonemeTiming(SILENCE, 0, pad)] + [
            PhonemeTiming(p.phoneme, p.start + pad, p.duration) for p in self.chunk.phonemes]
        chunk = AudioChunk(samples, sr, phonemes, self.chunk.text, self.chunk.style)
        return replace(self, chunk=chunk, offset=self.offset + shift,
                       syllables=[replace(s, vowel_start=s.vowel_start + shift,
                                          vowel_end=s.vowel_end + shift) for s in self.syllables],
                       placed=[replace(p, start=p.start + shift, end=p.end + shift)
                               for p in self.placed],
                       f0_times=self.f0_times + shift)


def _world():
    try:
        import pyworld
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise VhumanError("pyworld is not installed: pip install pyworld-prebuilt") from exc
    return pyworld


@lru_cache(maxsize=8)
def voice_range(voice: str = "joe") -> tuple[float, float]:
    """(low, high) MIDI range a voice sings well, around its measured speaking pitch."""
    pw = _world()
    speaker = LyricSpeaker(voice)
    audio, _ = speaker.speak_text("La la la, I love to sing along with you.")
    x = audio.astype(np.float64)
    f0, _ = pw.harvest(x, speaker.sample_rate, frame_period=10.0)
    voiced = f0[f0 > 0]
    centre = float(hz_to_midi(np.median(voiced))) if voiced.size else 52.0
    logger.info("voice %s speaks around %.1f Hz", voice, float(np.median(voiced)) if voiced.size else 0)
    return round(centre) - RANGE_BELOW, round(centre) + RANGE_ABOVE


class Singer:
    """Sings scores with a Piper voice (``"joe"`` or a path to a ``.onnx`` voice)."""

    def __init__(self, voice: str = "joe") -> None:
        self.voice = voice
        self.speaker = LyricSpeaker(voice)
        self.sample_rate = self.speaker.sample_rate

    def range(self) -> tuple[float, float]:
        return voice_range(self.voice)

    def sing(self, score: Score, style: SingingStyle | None = None, *,
             transpose: int | str = "auto", seed: int = 0,
             speaking_style: SpeakingStyle | None = None,
             on_progress: Callable[[int, int], None] | None = None) -> SungSong:
        """Sing ``score``; InputError (file, measure) for lyrics or ranges it cannot sing."""
        t_start = time.perf_counter()
        style = style or SingingStyle()
        score.validate()
        low, high = self.range()
        score = fit_to_range(score, low, high, transpose)
        phrases = score.phrases()
        sr = self.sample_rate
        spoken: list[SpokenPhrase] = []
        for k, ph in enumerate(phrases):
            spoken.append(self.speaker.speak([[s.text for s in w] for w in ph.words()]))
            if on_progress:
                on_progress(k + 1, 2 * len(phrases))
        first_onset = sum(p.length for p in spoken[0].syllables[0][1].onset) / sr if spoken else 0
        offset = max(0.0, min(first_onset, 0.25) + 0.05 - phrases[0].start) if phrases else 0.0
        offset = max(offset, LEAD_IN - phrases[0].start) if phrases else 0.0
        offset = round(offset * sr) / sr
        total = score.duration + offset + 0.3
        n_samples = int(np.ceil(total * sr))
        out = np.zeros(n_samples, np.float64)
        all_placed: list[Placed] = []
        all_sung: list[SungSyllable] = []
        frame_t = np.arange(int(np.ceil(total * 1000 / FRAME_MS))) * FRAME_MS / 1000
        shifted = [_shift(n, offset) for n in score.notes]
        target = melody_contour(shifted, frame_t, style, seed)
        voiced_mask = np.zeros(frame_t.size, bool)
        prev_end = 0.0
        index = 0
        for k, (ph, sp) in enumerate(zip(phrases, spoken, strict=True)):
            before = ph.start + offset - prev_end
            placed, sung = place_phrase(_shift_phrase(ph, offset), sp.syllables, sr, before, index)
            index += len(sung)
            all_placed += placed
            all_sung += sung
            if placed:
                audio, voiced = self._render(placed, sp, frame_t, target, style)
                i0 = int(round(placed[0].start * sr))
                n = min(audio.size, n_samples - i0)
                out[i0 : i0 + n] += audio[:n]
                voiced_mask |= voiced
            prev_end = ph.end + offset
            if on_progress:
                on_progress(len(phrases) + k + 1, 2 * len(phrases))
        out = _normalise(out, style.level_db)
        phonemes = _timings(all_placed, n_samples, sr)
        chunk = AudioChunk(out.astype(np.float32), sr, phonemes, score.title,
                           speaking_style or SpeakingStyle())
        return SungSong(chunk, score, offset, all_sung, all_placed, frame_t,
                        np.where(voiced_mask, target, 0.0), time.perf_counter() - t_start)

    def _render(self, placed: list[Placed], spoken: SpokenPhrase, frame_t: np.ndarray,
                target: np.ndarray, style: SingingStyle) -> tuple[FloatArray, np.ndarray]:
        """Resynthesise one phrase; returns its samples (from its first placed phone) and
        the song-wide frames it voiced."""
        pw = _world()
        sr = spoken.sample_rate
        analyses = [_analyse(pw, a, sr) for a in spoken.audio]
        t0, t1 = placed[0].start, placed[-1].end
        k0 = int(np.ceil(t0 * 1000 / FRAME_MS - 1e-9))
        k1 = min(int(np.floor(t1 * 1000 / FRAME_MS)), frame_t.size - 1)
        ks = np.arange(k0, k1 + 1)
        nbins = analyses[0][1].shape[1]
        sp = np.full((ks.size, nbins), 1e-12)
        ap = np.ones((ks.size, nbins))
        f0 = np.zeros(ks.size)
        starts = np.array([p.start for p in placed])
        for j, k in enumerate(ks):
            t = frame_t[k]
            i = int(np.clip(np.searchsorted(starts, t, side="right") - 1, 0, len(placed) - 1))
            p = placed[i]
            if not p.start <= t < p.end + 1e-9:
                continue
            src_f0, src_sp, src_ap = analyses[p.piece]
            pos = _source_frame(p, t, sr)
            lo = int(np.clip(np.floor(pos), 0, src_sp.shape[0] - 1))
            hi = min(lo + 1, src_sp.shape[0] - 1)
            w = float(np.clip(pos - lo, 0.0, 1.0))
            sp[j] = (1 - w) * src_sp[lo] + w * src_sp[hi]
            ap[j] = (1 - w) * src_ap[lo] + w * src_ap[hi]
            # vowels always sing; consonants keep the voicing the speaker gave them
            if p.kind == "vowel" or is_vowel(p.phoneme) or src_f0[lo] > 0 or src_f0[hi] > 0:
                f0[j] = target[k]
        voiced_rows = f0 > 0
        if style.formant_boost_db:
            freqs = np.linspace(0, sr / 2, nbins)
            gain_db = style.formant_boost_db * np.exp(-0.5 * ((freqs - 3000.0) / 600.0) ** 2)
            sp[voiced_rows] *= 10.0 ** (gain_db / 10.0)
        if style.breathiness > 0:
            ap[voiced_rows] = ap[voiced_rows] + style.breathiness * 0.4 * (1 - ap[voiced_rows])
        y = pw.synthesize(f0, np.ascontiguousarray(sp), np.ascontiguousarray(ap), sr, FRAME_MS)
        lead = int(round((frame_t[k0] - t0) * sr))  # frame k0 sits this far after t0
        y = np.concatenate([np.zeros(max(lead, 0)), y])
        length = int(round((t1 - t0) * sr))
        y = y[:length] if y.size >= length else np.pad(y, (0, length - y.size))
        fade = min(int(0.008 * sr), y.size // 2)
        if fade > 0:
            ramp = np.linspace(0.0, 1.0, fade)
            y[:fade] *= ramp
            y[-fade:] *= ramp[::-1]
        voiced_song = np.zeros(frame_t.size, bool)
        voiced_song[ks[voiced_rows]] = True
        return y, voiced_song


def _analyse(pw, audio: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.asarray(audio, np.float64)
    if x.size < sr // 20:
        x = np.pad(x, (0, sr // 20 - x.size))
    f0, t = pw.dio(x, sr, frame_period=FRAME_MS)
    f0 = pw.stonemask(x, f0, t, sr)
    # Envelope and aperiodicity with F0 filled through unvoiced frames: a vowel the
    # tracker missed would otherwise come out as noise once it is forced to sing.
    voiced = f0 > 0
    filled = f0.copy()
    if voiced.sum() >= 2:
        filled[~voiced] = np.interp(t[~voiced], t[voiced], f0[voiced])
    else:
        filled[:] = 120.0
    sp = pw.cheaptrick(x, filled, t, sr)
    ap = pw.d4c(x, filled, t, sr)
    return f0, sp, ap


def _source_frame(p: Placed, t: float, sr: int) -> float:
    """Fractional source analysis frame for song time ``t`` inside placed phone ``p``.

    Consonants are squeezed or stretched linearly; a stretched vowel keeps its first and
    last ``EDGE_S`` at speaking rate and holds its steady middle for the rest.
    """
    src0, src1 = p.src_start / sr, p.src_end / sr
    src_len, tgt_len = src1 - src0, p.end - p.start
    u = t - p.start
    if p.kind == "vowel" and tgt_len > src_len and src_len > 0:
        edge = min(EDGE_S, 0.25 * src_len)
        if u < edge:
            s = src0 + u
        elif u > tgt_len - edge:
            s = src1 - (tgt_len - u)
        else:
            mid = (u - edge) / max(tgt_len - 2 * edge, 1e-9)
            s = src0 + edge + mid * (src_len - 2 * edge)
    else:
        s = src0 + (u / tgt_len if tgt_len > 0 else 0.0) * src_len
    return s * 1000.0 / FRAME_MS


def _normalise(y: np.ndarray, level_db: float) -> np.ndarray:
    loud = np.abs(y) > 1e-4
    if not np.any(loud):
        return y
    rms = float(np.sqrt(np.mean(y[loud] ** 2)))
    y = y * (10 ** (level_db / 20.0) / max(rms, 1e-9))
    peak = float(np.max(np.abs(y)))
    return y / peak * 0.98 if peak > 0.98 else y


def _timings(placed: list[Placed], n_samples: int, sr: int):
    """Sung phoneme timings covering the whole chunk (gaps are silence)."""
    names: list[str] = []
    durations: list[int] = []
    pos = 0
    for p in sorted(placed, key=lambda q: q.start):
        a = int(round(p.start * sr))
        b = int(round(p.end * sr))
        a = max(a, pos)
        if a > pos:
            names.append(SILENCE)
            durations.append(a - pos)
        if b > a:
            names.append(p.phoneme)
            durations.append(b - a)
            pos = b
    if pos < n_samples:
        names.append(SILENCE)
        durations.append(n_samples - pos)
    return timings_from_durations(names, durations)


def _shift(note, offset: float):
    from dataclasses import replace

    return replace(note, start=note.start + offset)


def _shift_phrase(phrase, offset: float):
    from vhuman.models.sing.score import Phrase, Syllable

    return Phrase(tuple(Syllable(s.text, tuple(_shift(n, offset) for n in s.notes), s.word_end)
                        for s in phrase.syllables))
