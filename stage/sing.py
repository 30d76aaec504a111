"""Offline singing: a score (+ backing) → the host singing and dancing it → MP4.

``render_song`` sings the score with the speaking voice (:mod:`models.sing`), mixes the
backing (an audio file, or the score's other parts through FluidSynth), builds the
motion (:func:`animation.sing.sing_motion`) and renders it with the same processors as
``vhuman say`` and ``vhuman dance``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from models.types import AudioChunk, Emotion, InputError, SpeakingStyle

from .aio import run_sync
from .frames import AudioFrame, ErrorFrame, MotionFrame
from .media import MediaWriter, check_writable
from .processor import Pipeline
from .processors import RecorderProcessor, RenderProcessor
from .say import RenderOptions
from .testing import run_processor

log = logging.getLogger(__name__)

SPEECH_BACKENDS = ("piper", "espeak", "coqui")


@dataclass
class SongPlan:
    """A song ready to render or perform: sung voice, mix, motion."""

    song: object  # models.sing.SungSong
    mix: AudioChunk  # voice + backing, the soundtrack
    motion: object  # animation.clip.MotionClip
    backing: str  # "none", "score" or the backing file
    synth_s: float  # seconds spent singing (voice + WORLD)

    @property
    def duration(self) -> float:
        return self.mix.duration


@dataclass
class SongResult:
    """What :func:`render_song` wrote and how long each part took."""

    path: Path
    duration: float
    frames: int
    synth_s: float
    total_s: float
    plan: SongPlan | None = field(default=None, repr=False)


def singing_voice(voice: str | None) -> str:
    """The Piper voice to sing with: ``piper``/None mean the default (``joe``)."""
    if voice is None or voice in ("piper", ""):
        return "joe"
    if voice in ("espeak", "coqui"):
        raise InputError(f"singing needs a Piper voice (a packaged name such as 'joe' or an "
                         f".onnx path), not the {voice!r} backend")
    return voice


def load_backing(backing: str | Path | None, score, sample_rate: int) -> tuple[np.ndarray | None, str]:
    """(backing audio at ``sample_rate`` or None, what it is). ``backing``: a file, ``"score"``
    (the score's other parts through FluidSynth), ``"none"``, or None (the score's parts if
    it has any, else none)."""
    from models.sing.backing import render_midi

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
        return render_midi(score.other_parts_midi, sample_rate, source=score.source), "score"
    from animation.dance.music import load_music

    path = Path(name).expanduser()
    if not path.is_file():
        raise InputError(f"backing file not found: {path}")
    y, rate = load_music(path, max_seconds=score.duration + 60.0)
    if rate != sample_rate:
        import librosa

        y = librosa.resample(y, orig_sr=rate, target_sr=sample_rate)
    return np.asarray(y, np.float32), str(path)


def plan_song(score_path: str | Path, *, backing: str | Path | None = None,
              voice: str | None = "joe", emotion: str | Emotion = Emotion.HAPPY,
              intensity: float = 0.6, dance: str = "sway", transpose: int | str = "auto",
              finale: bool = False, fps: float = 30.0, seed: int = 0,
              progress: bool = False) -> SongPlan:
    """Sing a score file and build its motion (no rendering): used offline and live."""
    from animation.sing import DANCE_STYLES, sing_motion
    from models.sing import Singer, load_score, style_for_emotion
    from models.sing.backing import mix as mix_audio

    if dance not in DANCE_STYLES:
        raise InputError(f"unknown dance style {dance!r}; expected one of {', '.join(DANCE_STYLES)}")
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
    back, what = load_backing(backing, score, song.chunk.sample_rate)
    offset = int(round(song.offset * song.chunk.sample_rate))
    mixed = mix_audio(song.chunk.samples, back, backing_offset=offset)
    motion = sing_motion(song.chunk, beats=song.beats, beats_per_bar=song.score.beats_per_bar,
                         downbeat_phase=song.score.downbeat_phase, mix=mixed,
                         phrase_starts=[p.start + song.offset for p in song.score.phrases()],
                         fps=fps, emotion=emo, intensity=intensity, style=dance,
                         finale=finale, seed=seed)
    chunk = AudioChunk(mixed, song.chunk.sample_rate, [], song.score.title,
                       SpeakingStyle(emo, intensity))
    return SongPlan(song, chunk, motion, what, song.synth_seconds)


def render_song(score_path: str | Path, out: str | Path, *, backing: str | Path | None = None,
                emotion: str | Emotion = Emotion.HAPPY, intensity: float = 0.6,
                dance: str = "sway", transpose: int | str = "auto", finale: bool = False,
                options: RenderOptions | None = None, progress: bool = False) -> SongResult:
    """Sing ``score_path`` with the avatar into ``out`` (MP4, or WebM)."""
    options = options or RenderOptions(camera="full_body")
    options.validate()
    path = check_writable(out)
    if options.transparent and path.suffix.lower() != ".webm":
        raise InputError("transparent output needs a .webm file (VP9 with alpha)")
    t0 = time.monotonic()
    plan = plan_song(score_path, backing=backing, voice=options.voice, emotion=emotion,
                     intensity=intensity, dance=dance, transpose=transpose, finale=finale,
                     fps=options.fps, seed=options.seed, progress=progress)
    frames = run_sync(_render(plan, path, options, progress))
    return SongResult(path, plan.duration, frames, plan.synth_s, time.monotonic() - t0, plan)


async def _render(plan: SongPlan, path: Path, options: RenderOptions, progress: bool) -> int:
    from avatar.loader import load_avatar
    from avatar.render import create_renderer
    from avatar.rig import Rig

    character = load_avatar(options.avatar)
    writer = MediaWriter(path, width=options.width, height=options.height, fps=options.fps,
                         sample_rate=plan.mix.sample_rate, alpha=options.transparent)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=plan.motion.num_frames, unit="frame", desc="rendering",
                   dynamic_ncols=True)

    def on_progress(done: int, more: int) -> None:
        if bar is not None:
            bar.update(done)

    def make_renderer():
        return create_renderer(options.renderer, character, width=options.width,
                               height=options.height, camera=options.camera,
                               background=options.background, transparent=options.transparent)

    pipeline = Pipeline([RenderProcessor(Rig(character, device=options.device), make_renderer,
                                         on_progress=on_progress),
                         RecorderProcessor(writer)], name="sing")
    try:
        out = await run_processor(pipeline, [AudioFrame(chunk=plan.mix),
                                             MotionFrame(clip=plan.motion)], timeout=7200)
    finally:
        if bar is not None:
            bar.close()
    errors = [f.message for f in out if isinstance(f, ErrorFrame)]
    if errors:
        raise InputError("; ".join(errors))
    return writer.frames_written
