"""Offline singing: a score (+ backing) → the host singing and dancing it → MP4.

The song is planned by the live engine's :mod:`vhuman.stage.live.songs` and recorded through
the same engine (:mod:`vhuman.stage.offline`), as ``vhuman say`` and ``vhuman dance`` do.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from vhuman.models.types import Emotion, InputError

from .aio import run_sync
from .live.songs import SongPlan, check_song_request, singing_voice
from .media import check_writable
from .say import RenderOptions, check_avatar


@dataclass
class SongResult:
    """What :func:`render_song` wrote and how long each part took."""

    path: Path
    duration: float
    frames: int
    synth_s: float
    total_s: float
    plan: SongPlan | None = field(default=None, repr=False)


def render_song(score_path: str | Path, out: str | Path, *, backing: str | Path | None = None,
                emotion: str | Emotion = Emotion.HAPPY, intensity: float = 0.6,
                dance: str = "sway", transpose: int | str = "auto", finale: bool = False,
                options: RenderOptions | None = None, progress: bool = False,
                backing_start: float = 0.0) -> SongResult:
    """Sing ``score_path`` with the avatar into ``out`` (MP4, or WebM).

    The live engine renders it (:mod:`stage.offline`), exactly as a show's ``sing``
    segment plays; ``options.voice`` is the Piper voice that sings (and would speak).
    """
    from vhuman.models.sing import load_score
    from vhuman.models.tts import get_tts

    from .offline import render_offline

    options = options or RenderOptions(camera="full_body")
    options.validate()
    path = check_writable(out)
    if options.transparent and path.suffix.lower() != ".webm":
        raise InputError("transparent output needs a .webm file (VP9 with alpha)")
    check_avatar(options.avatar)
    check_song_request(score_path, backing, dance)
    load_score(score_path)  # file/measure errors before anything heavy loads
    emo = Emotion.parse(emotion)
    voice = singing_voice(options.voice)
    tts = get_tts("piper", voice=voice)
    engine_options = replace(options, voice="piper")
    performers: list = []

    async def act(performer):
        performers.append(performer)
        return await performer.sing(Path(score_path), backing=backing, style=dance,
                                    emotion=emo, intensity=intensity, finale=finale,
                                    transpose=transpose, backing_start=backing_start)

    t0 = time.monotonic()
    run = run_sync(render_offline(path, engine_options, act, tts=tts, tail_s=0.0,
                                  progress="singing" if progress else None))
    plan = performers[0].speech.last_song if performers else None
    return SongResult(path, run.duration, run.frames, plan.synth_s if plan else 0.0,
                      time.monotonic() - t0, plan)
