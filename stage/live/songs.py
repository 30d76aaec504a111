"""Songs for the live engine: sing a score and build its motion, ahead of time.

``plan_song`` sings the score with the speaking voice (:mod:`vhuman.models.sing`), mixes the
backing (an audio file, or the score's other parts through FluidSynth) and builds the
motion (:func:`vhuman.animation.sing.sing_motion`); the live performer plays that plan (a
show's ``sing`` segment, the host's ``sing`` control) and ``prepare_song`` starts the next one
in the background. ``vhuman sing`` (:mod:`vhuman.stage.sing`) records a plan to a file
through the same engine.
"""

from __future__ import annotations

import logging
import threading
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from vhuman.models.types import AudioChunk, Emotion, InputError, SpeakingStyle

if TYPE_CHECKING:
    from vhuman.animation.clip import MotionClip
    from vhuman.models.sing import SungSong

log = logging.getLogger(__name__)

@dataclass
class SongPlan:
    """A song ready to render or perform: sung voice, mix, motion."""

    song: SungSong
    mix: AudioChunk  # voice + backing, the soundtrack
    motion: MotionClip
    backing: str  # "none", "score" or the backing file
    synth_s: float  # seconds spent singing (voice + WORLD)

    @property
    def duration(self) -> float:
        return self.mix.duration


def singing_voice(voice: str | None) -> str:
    """The Piper voice to sing with: ``piper``/None mean the default (``joe``)."""
    if voice is None or voice in ("piper", ""):
        return "joe"
    if voice in ("espeak", "coqui"):
        raise InputError(f"singing needs a Piper voice (a packaged name such as 'joe' or an "
                         f".onnx path), not the {voice!r} backend")
    return voice


def check_song_request(score: str | Path, backing: str | Path | None, style: str | None) -> None:
    """Fail fast (before queueing) on a missing score or backing file or an unknown style."""
    from vhuman.animation.sing import DANCE_STYLES

    if not Path(score).is_file():
        raise InputError(f"sing: score file not found: {score}")
    if backing is not None and str(backing) not in ("score", "none") and not Path(backing).is_file():
        raise InputError(f"sing: backing file not found: {backing}")
    if style is not None and style not in DANCE_STYLES:
        raise InputError(f"sing: unknown dance style {style!r}; expected one of "
                         f"{', '.join(DANCE_STYLES)}")


def load_backing(backing: str | Path | None, score, sample_rate: int) -> tuple[np.ndarray | None, str]:
    """(backing audio at ``sample_rate`` or None, what it is). ``backing``: a file, ``"score"``
    (the score's other parts through FluidSynth, moved into the key the voice sings in when
    ``score`` is the sung, transposed score), ``"none"``, or None (the score's parts if it
    has any, else none)."""
    from vhuman.models.sing.backing import key_shift, render_midi, transpose_midi

    if backing is None:
        if score.other_parts_midi is None:
            return None, "none"
        backing = "score"
    name = str(backing)
    if name == "none":
        return None, "none"
    if name == "score":
        if score.other_parts_midi is None:
            raise InputError(f"{score.source}: --backing score, but the score has no other parts "
                             "to accompany the voice (give --backing an audio file, or none)")
        # the accompaniment follows the voice into its key (not its octave)
        midi = transpose_midi(score.other_parts_midi, key_shift(score.transposed))
        return render_midi(midi, sample_rate, source=score.source), "score"
    from vhuman.animation.dance.music import load_music

    path = Path(name).expanduser()
    if not path.is_file():
        raise InputError(f"backing file not found: {path}")
    y, rate = load_music(path, max_seconds=score.duration + 60.0)
    if rate != sample_rate:
        import librosa

        y = librosa.resample(y, orig_sr=rate, target_sr=sample_rate)
    return np.asarray(y, np.float32), str(path)


_PREPARED: dict[tuple, Future] = {}
_PREPARED_LOCK = threading.Lock()
_PREPARE_POOL: ThreadPoolExecutor | None = None
MAX_PREPARED = 4


def _plan_key(score_path: str | Path, kwargs: dict) -> tuple:
    path = Path(score_path)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        stamp = 0
    return (str(path.resolve()), stamp, tuple(sorted((k, repr(v)) for k, v in kwargs.items())))


def prepare_song(score_path: str | Path, **kwargs) -> Future:
    """Start singing a score in the background (same arguments as :func:`plan_song`), so a
    show's song is ready when its turn comes; :func:`plan_song_cached` takes the result."""
    global _PREPARE_POOL
    key = _plan_key(score_path, kwargs)
    with _PREPARED_LOCK:
        if key in _PREPARED:
            return _PREPARED[key]
        if _PREPARE_POOL is None:
            _PREPARE_POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="song-prep")
        while len(_PREPARED) >= MAX_PREPARED:
            _PREPARED.pop(next(iter(_PREPARED))).cancel()
        future = _PREPARE_POOL.submit(plan_song, score_path, **kwargs)
        _PREPARED[key] = future
        return future


def plan_song_cached(score_path: str | Path, **kwargs) -> SongPlan:
    """:func:`plan_song`, taking a prepared result when the same song was prepared."""
    with _PREPARED_LOCK:
        future = _PREPARED.pop(_plan_key(score_path, kwargs), None)
    if future is not None and not future.cancelled():
        try:
            return future.result()
        except Exception as exc:  # noqa: BLE001 - sing it again here, raising its own error
            log.debug("prepared song %s failed (%s); singing it again", score_path, exc)
    return plan_song(score_path, **kwargs)


def song_seed(score_path: str | Path, seed: int = 0) -> int:
    """The motion seed of a song: the same song dances the same way in every run, and a
    song prepared ahead matches the one played."""
    return seed + zlib.crc32(Path(score_path).name.encode()) % 10007


def plan_song(score_path: str | Path, *, backing: str | Path | None = None,
              voice: str | None = "joe", emotion: str | Emotion = Emotion.HAPPY,
              intensity: float = 0.6, dance: str = "sway", transpose: int | str = "auto",
              finale: bool = False, fps: float = 30.0, seed: int = 0,
              backing_start: float = 0.0,
              progress: bool = False) -> SongPlan:
    """Sing a score file and build its motion (no rendering): used offline and live."""
    from vhuman.animation.sing import DANCE_STYLES, sing_motion
    from vhuman.models.sing import Singer, load_score, style_for_emotion
    from vhuman.models.sing.backing import mix as mix_audio

    if dance not in DANCE_STYLES:
        raise InputError(f"unknown dance style {dance!r}; expected one of {', '.join(DANCE_STYLES)}")
    if not 0 <= backing_start <= 3600:
        raise InputError(f"backing start must be within 0..3600 s, got {backing_start:g}")
    emo = Emotion.parse(emotion)
    score = load_score(score_path)
    singer = Singer(singing_voice(voice))
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=0, unit="step", desc="singing", dynamic_ncols=True)

    def on_progress(done: int, total: int) -> None:
        if bar is not None:
            bar.total = total
            bar.n = done
            bar.refresh()

    try:
        song = singer.sing(score, style_for_emotion(emo.value, intensity), transpose=transpose,
                           seed=seed, speaking_style=SpeakingStyle(emo, intensity),
                           on_progress=on_progress)
    finally:
        if bar is not None:
            bar.close()
    back, what = load_backing(backing, song.score, song.chunk.sample_rate)  # as sung
    sr = song.chunk.sample_rate
    if backing_start and back is not None:
        if not 0 <= backing_start < back.size / sr:
            raise InputError(f"backing start {backing_start:g} s is outside the backing "
                             f"({back.size / sr:.1f} s long)")
        song = song.delayed(backing_start - song.offset)  # the backing's intro plays first
    offset = int(round((song.offset - (backing_start if back is not None else 0.0)) * sr))
    mixed = mix_audio(song.chunk.samples, back, backing_offset=offset)
    motion = sing_motion(song.chunk, beats=song.beats, beats_per_bar=song.score.beats_per_bar,
                         downbeat_phase=song.score.downbeat_phase, mix=mixed,
                         phrase_starts=[p.start + song.offset for p in song.score.phrases()],
                         fps=fps, emotion=emo, intensity=intensity, style=dance,
                         finale=finale, seed=seed)
    chunk = AudioChunk(mixed, song.chunk.sample_rate, [], song.score.title,
                       SpeakingStyle(emo, intensity))
    return SongPlan(song, chunk, motion, what, song.synth_seconds)
