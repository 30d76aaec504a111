"""People's caption delay with recognition in the loop: word spoken -> caption on the
viewers' socket.

A real recording (``shared/data/speech``, English) is played as a person's microphone in
real time (20 ms pieces from a thread, as a WebRTC socket delivers them) into the
show's listening path: :class:`ListenSession` (echo suppression, Silero VAD, turn-taking,
Whisper) -> :class:`VoiceDesk` (chat moderation) -> the server's caption hand-over
(``heard_on_air`` / ``partial_on_air``) -> the live performer's ticks ->
:class:`LiveCaptions` -> the sink the server broadcasts from (a hop onto the event loop,
stamped there; the WebSocket write itself is not included).

When each word was spoken comes from an offline pass of the same Whisper model over the
whole clip with word timestamps (about ±0.1 s). Every caption event of the turn (each
partial revision, then the final) is matched word by word to that reference
(``difflib``); a word's delay is the arrival of the first event that shows it minus the
end of the word on the clip's real-time clock. Words that no event shows correctly are
counted, not timed. Run once with partial transcripts as live caption revisions and once
with finals only.
"""

from __future__ import annotations

import asyncio
import difflib
import re
import statistics
import time
from functools import lru_cache
from typing import Any

import numpy as np

from vhuman.avatar.compat import shared_data_dir
from vhuman.models.asr.base import SAMPLE_RATE

SPEECH = shared_data_dir() / "speech"
CLIPS = ("en_ljspeech_LJ001-0004.wav", "en_librispeech_1995-1837-0001.wav",
         "en_ljspeech_LJ001-0005.wav", "en_ljspeech_LJ001-0001.wav",
         "en_ljspeech_LJ001-0003.wav")
PIECE = SAMPLE_RATE // 50
LEAD_IN_S = 0.5
TAIL_S = 3.0


def _words(text: str) -> list[str]:
    return re.sub(r"[^\w\s']", " ", text.lower()).split()


@lru_cache(maxsize=1)
def _aligner() -> Any:
    from faster_whisper import WhisperModel

    from vhuman.models.asr.packaged import whisper_dir

    return WhisperModel(str(whisper_dir("base")), device="cpu", compute_type="int8",
                        cpu_threads=2)


def reference_words(audio: np.ndarray) -> list[tuple[str, float]]:
    """(word, end second) of a clip: the packaged Whisper model, word timestamps on."""
    segments, _ = _aligner().transcribe(audio, language="en", beam_size=1, temperature=0.0,
                                   word_timestamps=True, condition_on_previous_text=False)
    out: list[tuple[str, float]] = []
    for seg in segments:
        for w in seg.words or ():
            out.extend((token, float(w.end)) for token in _words(w.word))
    return out


def shown_at(reference: list[str], events: list[tuple[float, str]]) -> list[float | None]:
    """For each reference word, the arrival time of the first event showing it."""
    first: list[float | None] = [None] * len(reference)
    for at, text in events:
        hyp = _words(text)
        matcher = difflib.SequenceMatcher(a=reference, b=hyp, autojunk=False)
        for block in matcher.get_matching_blocks():
            for i in range(block.a, block.a + block.size):
                if first[i] is None:
                    first[i] = at
    return first


def _feed(session: Any, loop: asyncio.AbstractEventLoop, audio: np.ndarray,
          started: list[float]) -> None:
    t0 = time.monotonic()
    started.append(t0)
    for k, i in enumerate(range(0, audio.size, PIECE)):
        wait = t0 + k * PIECE / SAMPLE_RATE - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        loop.call_soon_threadsafe(session.push, audio[i:i + PIECE])


def _stats_s(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0}
    ms = sorted(v * 1000 for v in values)
    return {"n": len(ms), "median_ms": round(statistics.median(ms)),
            "p95_ms": round(ms[min(len(ms) - 1, int(0.95 * len(ms)))]),
            "max_ms": round(ms[-1])}


async def heard_caption_delay(clips: tuple[str, ...], *, partials: bool,
                              turns: dict[str, float] | None = None) -> dict[str, Any]:
    """One pass over ``clips`` (see the module docstring); ``turns``: turn-taking
    settings other than the defaults (``partial_every_s``, …)."""
    from vhuman.dialogue.moderation import default_moderator
    from vhuman.dialogue.turns import TurnSettings
    from vhuman.models.tts import get_tts
    from vhuman.stage.captions.live import LiveCaptions
    from vhuman.stage.listen.config import ListenConfig
    from vhuman.stage.listen.desk import VoiceDesk
    from vhuman.stage.listen.files import read_audio
    from vhuman.stage.listen.session import ListenSession
    from vhuman.stage.live import LiveConfig, LivePerformer, PatternRenderer
    from vhuman.stage.server.routes.listen import heard_on_air, partial_on_air

    config = ListenConfig(partials=partials, language="en",
                          turns=TurnSettings.from_mapping(turns))
    perf = LivePerformer(LiveConfig(fps=25, width=64, height=64), tts=get_tts("espeak"),
                         renderer_factory=lambda: PatternRenderer(64, 64))
    await perf.start()
    loop = asyncio.get_running_loop()
    events: list[tuple[float, dict[str, Any]]] = []
    perf.add_output(LiveCaptions(lambda e: loop.call_soon_threadsafe(
        lambda: events.append((time.monotonic(), e)))))

    class Show:  # what the server's hand-over reads from a show session
        runner = None
        performer = perf

    desk = VoiceDesk(perf, moderator=default_moderator(), show_id="bench",
                     on_heard=lambda t, text: heard_on_air(Show, t, text),  # type: ignore[arg-type]
                     on_partial=lambda t, text: partial_on_air(Show, t, text))  # type: ignore[arg-type]
    session = ListenSession(config, desk, speaker="Ana", performer=perf)
    await session.start()
    recognizer = config.build_recognizer()
    delays: list[float] = []
    finals: list[float] = []
    per_clip: list[dict[str, Any]] = []
    missed = total = revisions = 0
    try:
        await asyncio.to_thread(recognizer.transcribe, read_audio(SPEECH / clips[0]))  # warm
        for name in clips:
            speech = read_audio(SPEECH / name)
            reference = await asyncio.to_thread(reference_words, speech)
            audio = np.concatenate([np.zeros(int(LEAD_IN_S * SAMPLE_RATE), np.float32), speech,
                                    np.zeros(int(TAIL_S * SAMPLE_RATE), np.float32)])
            first_event, turns, started = len(events), session.turns, []
            await asyncio.to_thread(_feed, session, loop, audio, started)
            deadline = time.monotonic() + 60
            while session.turns == turns and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            await desk.drain(60)
            await asyncio.sleep(0.3)  # the final's cue reaches the sink on the next tick
            mine = [(at, e) for at, e in events[first_event:] if e.get("type") == "caption"]
            shown = shown_at([w for w, _ in reference], [(at, e["text"]) for at, e in mine])
            t0 = started[0] + LEAD_IN_S
            timed = [(f"{word}@{end:.1f}s", at - (t0 + end)) for at, (word, end) in
                     zip(shown, reference, strict=True) if at is not None]
            clip_delays = [d for _, d in timed]
            delays += clip_delays
            total += len(reference)
            missed += sum(at is None for at in shown)
            revisions += len(mine)
            final = [at for at, e in mine if e.get("final", True)]
            if final and reference:
                finals.append(final[-1] - (t0 + reference[-1][1]))
            per_clip.append({"clip": name, "words": len(reference),
                             "events": len(mine), "word_delay": _stats_s(clip_delays),
                             "slowest_words": [(w, round(d, 2)) for w, d in
                                               sorted(timed, key=lambda x: -x[1])[:3]]})
    finally:
        await session.close()
        await perf.close()
    return {"partials": partials, "clips": len(clips), "words": total,
            "word_delays_s": [round(d, 3) for d in delays],
            "words_never_shown_right": missed, "caption_events": revisions,
            "word_spoken_to_viewer_event": _stats_s(delays),
            "last_word_to_final_event": _stats_s(finals), "per_clip": per_clip}
