"""Speech in: accuracy, speed, turn latency, echo and barge-in (``bench listen``).

- **accuracy** on the real recordings in ``shared/data/speech`` heard exactly as a show
  hears them (Silero VAD → turns → Whisper, :func:`stage.listen.files.listen_audio`):
  English word error rate, Mandarin character error rate, Spanish/French/Portuguese WER.
  Normalisation, the same for reference and hypothesis: Unicode NFKC, lower case,
  punctuation removed, digits spelled out as English words (the references spell
  numbers), Mandarin compared character by character with spaces and punctuation
  removed and both sides in simplified characters. The AMI meeting clip is left out (its
  reference covers only part of what is said).
- **real-time factor** of recognition alone (seconds of compute per second of audio);
  accuracy and real-time factor again with Whisper's own 30 s encoder window
  (``window: full``) beside the default fitted window.
- **latency**, clips fed at real-time pace (20 ms pieces) into a live listen session
  whose voice desk answers through the dialogue brain on a live performer (Piper voice,
  pattern renderer): end of speech → final transcript, and end of speech → the host's
  first audio out of the performer's clock; p50 / p95 (and each turn's figure), the
  partial transcripts made while the clips played; calm and beside ``stress-ng --cpu 2``.
  ``python -m bench.bench_listen --live`` runs the calm latency alone.
- **echo**: 5 minutes of the host's program audio (Piper) played back through a
  simulated room (delay, reverberation, gain, noise) into the microphone with the echo
  suppressor on: false barge-ins (should be 0) and false turns; real people speaking over
  it at the same positions: barge-ins detected and their detection delay.
- **barge-in → silence** on the live performer: a person starts talking while the host
  speaks; from the person's first word to the host's silence (detection needs
  ``barge_in_s`` of speech by design, then the interrupt path).
"""

from __future__ import annotations

import asyncio
import csv
import os
import re
import shutil
import subprocess
import threading
import time
import unicodedata
from dataclasses import replace
from typing import Any

import numpy as np

from vhuman.avatar.compat import shared_data_dir
from vhuman.models.asr.base import SAMPLE_RATE
from vhuman.models.sing.evaluate import word_error_rate
from vhuman.stage.listen.config import ListenConfig
from vhuman.stage.listen.files import listen_audio, read_audio

SPEECH = shared_data_dir() / "speech"
PIECE = SAMPLE_RATE // 50

_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen " \
        "fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()


def _number_words(n: int) -> str:
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10 - 2] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return _ONES[n // 100] + " hundred" + ("" if rest == 0 else " " + _number_words(rest))
    if n < 1_000_000:
        rest = n % 1000
        return _number_words(n // 1000) + " thousand" + ("" if rest == 0 else " " + _number_words(rest))
    return " ".join(_ONES[int(d)] for d in str(n))


def normalise(text: str) -> str:
    """Lower case, no punctuation, digits as words (see the module docstring)."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"(\d+)(st|nd|rd|th)\b", lambda m: _number_words(int(m.group(1))) + "th", text)
    text = re.sub(r"\d+", lambda m: " " + _number_words(int(m.group(0))) + " ", text)
    text = re.sub(r"[^\w\s']|_", " ", text)
    return " ".join(text.split())


def char_error_rate(reference: str, hypothesis: str) -> float:
    """Character-level Levenshtein distance over the reference length (Mandarin)."""
    from vhuman.models.asr.whisper import to_simplified

    def chars(s: str) -> list[str]:
        s = to_simplified(unicodedata.normalize("NFKC", s))
        return [c for c in s if c.isalnum()]

    ref, hyp = chars(reference), chars(hypothesis)
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1] / max(1, len(ref))


def _wer(reference: str, hypothesis: str) -> float:
    return word_error_rate(normalise(reference), normalise(hypothesis))


def _manifest() -> list[dict[str, str]]:
    with (SPEECH / "manifest.csv").open(encoding="utf-8") as f:
        return [row for row in csv.DictReader(f) if not row["file"].startswith("conv_")]


def _errors(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Corpus-level error rates per language: total edits over total reference units."""
    out: dict[str, Any] = {}
    for lang in sorted({r["language"] for r in rows}):
        mine = [r for r in rows if r["language"] == lang]
        units = sum(r["ref_units"] for r in mine)
        out[lang] = round(sum(r["errors"] * r["ref_units"] for r in mine) / units, 4)
    return out


def accuracy(config: ListenConfig) -> dict[str, Any]:
    recognizer = config.build_recognizer()
    rows, compute, audio_s = [], 0.0, 0.0
    for row in _manifest():
        audio = read_audio(SPEECH / row["file"])
        turns = listen_audio(audio, config)
        hyp = " ".join(t.text for t in turns if t.status == "ok")
        t0 = time.perf_counter()
        recognizer.transcribe(audio)
        compute += time.perf_counter() - t0
        audio_s += audio.size / SAMPLE_RATE
        zh = row["language"] == "zh"
        err = char_error_rate(row["transcript"], hyp) if zh else _wer(row["transcript"], hyp)
        units = len([c for c in row["transcript"] if c.isalnum()]) if zh else \
            len(normalise(row["transcript"]).split())
        rows.append({"file": row["file"], "language": row["language"], "errors": round(err, 4),
                     "ref_units": units, "turns": len(turns),
                     "detected": sorted({t.language for t in turns}), "hypothesis": hyp})
    rates = _errors(rows)
    return {"wer_en": rates.get("en"), "cer_zh": rates.get("zh"),
            "wer_es": rates.get("es"), "wer_fr": rates.get("fr"), "wer_pt": rates.get("pt"),
            "language_detected_correctly": sum(r["detected"] == [r["language"]] for r in rows),
            "clips": len(rows), "recognition_rtf": round(compute / audio_s, 4),
            "per_clip": rows}


# -- live: latency, barge-in ------------------------------------------------------------
def _feed_realtime(session: Any, loop: asyncio.AbstractEventLoop, audio: np.ndarray,
                   stop: threading.Event | None = None) -> None:
    """Push ``audio`` in 20 ms pieces at real-time pace (from a thread, as a socket does)."""
    t0 = time.monotonic()
    for k, i in enumerate(range(0, audio.size, PIECE)):
        if stop is not None and stop.is_set():
            return
        wait = t0 + k * PIECE / SAMPLE_RATE - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        loop.call_soon_threadsafe(session.push, audio[i:i + PIECE])


async def _live(config: ListenConfig, clips: list[str]) -> dict[str, Any]:
    from vhuman.dialogue.brain import Brain
    from vhuman.dialogue.moderation import default_moderator
    from vhuman.models.tts import get_tts
    from vhuman.stage.chat.responder import ChatResponder
    from vhuman.stage.listen.desk import VoiceDesk
    from vhuman.stage.listen.session import ListenSession
    from vhuman.stage.live import LiveConfig, LivePerformer, PatternRenderer

    load_before = _loadavg()
    perf = LivePerformer(LiveConfig(fps=25, width=256, height=256), tts=get_tts("piper"),
                         renderer_factory=lambda: PatternRenderer(256, 256))
    await perf.start()
    await perf.warm_up()
    for line in ("Buenas tardes a todos.", "大家晚上好。"):  # the clips' other voices (eSpeak NG)
        ready = perf.prepare(line)  # load now, as after a show's first answer in each
        if ready is not None:
            await asyncio.wait_for(asyncio.shield(ready.done), 60)
    brain = Brain()
    await asyncio.to_thread(brain.warm_up)
    desk = VoiceDesk(perf, responder=ChatResponder(brain, perf), moderator=default_moderator())
    session = ListenSession(config, desk, speaker="Ana", performer=perf)
    partials: list[tuple[float, str]] = []  # (seconds after the turn's start, stable words)
    handle = desk.handle

    async def counting(event: Any) -> None:
        if event.kind == "partial":
            partials.append((round(session.listener.clock - event.turn.start, 2), event.stable))
        await handle(event)

    desk.handle = counting  # type: ignore[method-assign]
    await session.start()
    loop = asyncio.get_running_loop()
    try:
        # warm the recogniser on this thread pool before timing
        await asyncio.to_thread(config.build_recognizer().transcribe,
                                read_audio(SPEECH / clips[0]))
        for name in clips:
            audio = np.concatenate([read_audio(SPEECH / name), np.zeros(SAMPLE_RATE * 3, np.float32)])
            turns = session.turns
            await asyncio.to_thread(_feed_realtime, session, loop, audio)
            deadline = time.monotonic() + 60
            while session.turns == turns and time.monotonic() < deadline:
                await asyncio.sleep(0.1)  # the final transcript (a slow machine lags)
            await asyncio.sleep(0.2)
            await desk.drain(60)
            await _until_quiet(perf)  # the next question is asked to a silent host
        records = len(desk.records)
        barge = await _barge_in(perf, session, desk, loop)
        del desk.records[records:]  # the barge-in turns are not timed as questions
    finally:
        await session.close()
        await perf.close()
    final = [r["final_s"] for r in desk.records if r.get("final_s") is not None]
    first = [r["first_audio_s"] for r in desk.records if r.get("first_audio_s") is not None]
    return {"loadavg_before": load_before, "turns": len(desk.records), "answered": len(first),
            "partials": len(partials), "partials_with_stable_words": sum(bool(w) for _, w in partials),
            "speech_end_to_final_s_each": final, "speech_end_to_first_audio_s_each": first,
            "speech_end_to_final_p50_s": _pct(final, 50), "speech_end_to_final_p95_s": _pct(final, 95),
            "speech_end_to_first_audio_p50_s": _pct(first, 50),
            "speech_end_to_first_audio_p95_s": _pct(first, 95),
            "first_sentence_sources": sorted({s for r in desk.records for s in r.get("sources") or ()}),
            "answers_prepared_early": {k: sum(r.get("early") == k for r in desk.records)
                                       for k in ("committed", "dropped")},
            # each turn's parts, seconds after the end of speech: the prepared answer's first
            # sentence ready (negative: before the end of speech), the final transcript, the
            # first sentence handed to the performer, its first audio
            "turn_parts_s": [{k: r.get(k) for k in ("text", "answer", "early", "early_ready_s",
                                                    "final_s", "first_sentence_s",
                                                    "first_audio_s")}
                             for r in desk.records],
            # recognitions at a pause, and the seconds each waited for the recognition
            # thread (a partial or an earlier pause's recognition still being decoded)
            "pause_recognitions": session.listener.pauses,
            # pauses whose words a partial reaching the pause gave before their recognition
            "pause_previews": session.listener.previews,
            "pause_waits_s": list(session.listener.pause_waits),
            **barge}


async def _until_quiet(perf: Any, quiet_s: float = 0.5, limit_s: float = 60.0) -> None:
    """Wait until the performer has said everything queued (nothing playing, nothing
    waiting or being synthesized, for ``quiet_s``): a reply's later sentences come from
    the model after the first ones played, with silent gaps between them."""
    deadline, quiet = time.monotonic() + limit_s, None
    while time.monotonic() < deadline:
        status = perf.status()
        if status["speaking"] or status.get("queue_depth"):
            quiet = None
        elif quiet is None:
            quiet = time.monotonic()
        elif time.monotonic() - quiet >= quiet_s:
            return
        await asyncio.sleep(0.05)


async def _barge_in(perf: Any, session: Any, desk: Any,
                    loop: asyncio.AbstractEventLoop) -> dict[str, Any]:
    """A person talks over the host 3 times: person's first sound → host silent."""
    person = read_audio(SPEECH / "en_librispeech_1995-1837-0001.wav")
    onset = int(np.argmax(np.abs(person) > 0.05))
    delays, paths = [], []
    for _ in range(3):
        handle = await perf.say("Let me tell you a long story about the games, the athletes, "
                                "the training, the travel and everything else that happened "
                                "over these wonderful weeks in the mountains.")
        await asyncio.wait_for(asyncio.shield(handle.started), 30)
        await asyncio.sleep(1.0)
        t0 = time.monotonic()
        stop = threading.Event()
        feeder = asyncio.create_task(asyncio.to_thread(_feed_realtime, session, loop, person, stop))
        done = await asyncio.wait_for(asyncio.shield(handle.done), 30)
        stopped = time.monotonic()
        stop.set()
        await feeder
        # the person stops: silence ends their turn (its answer is cut before the next try)
        await asyncio.to_thread(_feed_realtime, session, loop, np.zeros(SAMPLE_RATE * 2, np.float32))
        await asyncio.sleep(1.0)
        await perf.interrupt("bench reset")
        await desk.drain(30)
        await perf.interrupt("bench reset")
        if done is False and perf.last_interrupt:
            silence = perf.last_interrupt.get("wall_s", 0.0)
            delays.append(stopped - t0 - onset / SAMPLE_RATE + silence)
            paths.append(silence)
    return {"barge_ins_detected": f"{len(delays)}/3",
            "person_first_sound_to_host_silence_p50_s": _pct(delays, 50),
            "interrupt_to_silence_p50_s": _pct(paths, 50)}


def _pct(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 4) if values else None


# -- echo ---------------------------------------------------------------------------------
def _program(seconds: float) -> np.ndarray:
    """The host talking for ``seconds`` (Piper, resampled to 16 kHz)."""
    from math import gcd

    from scipy.signal import resample_poly

    from vhuman.models.tts import get_tts
    from vhuman.models.types import SpeakingStyle

    tts = get_tts("piper")
    text = ("Welcome back to the evening show. Tonight we talk about the mountains, the "
            "skiers and the long road to the final. Our guests have trained for years, and "
            "tonight they will tell us what it takes. Stay with us, send your questions, and "
            "enjoy the music between the stories. ")
    pieces, total = [], 0
    while total < seconds * tts.sample_rate:
        for chunk in tts.synthesize_iter(text, SpeakingStyle()):
            pieces.append(chunk.samples)
            total += chunk.samples.size
    audio = np.concatenate(pieces)[: int(seconds * tts.sample_rate)]
    g = gcd(tts.sample_rate, SAMPLE_RATE)
    return resample_poly(audio, SAMPLE_RATE // g, tts.sample_rate // g).astype(np.float32)


def echo(config: ListenConfig, seconds: float = 300.0, seed: int = 0,
         compare: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """False barge-ins from the host's echo, and real ones detected over it; ``compare``:
    echo suppressors with other settings (name → ``EchoSuppressor`` keyword arguments)
    run on the very same audio, side by side (the program is synthesised anew each
    call: Piper samples its voice)."""
    from scipy.signal import fftconvolve

    from vhuman.stage.listen.echo import EchoSuppressor

    rng = np.random.default_rng(seed)
    program = _program(seconds)
    # A guest's laptop: speakers ~40 cm from the mic, a small room (RT60 ~0.3 s), echo
    # 6-12 dB below the program, 60-250 ms playback + capture delay, a noise floor.
    n = program.size
    mic = np.zeros(n, np.float32)
    segment = SAMPLE_RATE * 30
    rooms = []
    for start in range(0, n, segment):  # the room changes every 30 s (people move)
        delay = int(rng.uniform(0.06, 0.25) * SAMPLE_RATE)
        gain = 10 ** (-rng.uniform(6, 12) / 20)
        length = int(0.3 * SAMPLE_RATE)
        ir = rng.standard_normal(length) * np.exp(-np.arange(length) / (0.3 * SAMPLE_RATE / 6.9))
        ir[0] = 4.0
        ir *= gain / np.sqrt(np.sum(ir ** 2))
        rooms.append((delay, round(20 * np.log10(gain), 1)))
        wet = fftconvolve(program, ir)[:n]
        wet = np.concatenate([np.zeros(delay, np.float32), wet])[:n]
        mic[start:start + segment] = wet[start:start + segment]
    mic += (10 ** (-60 / 20) * rng.standard_normal(n)).astype(np.float32)
    # the same with people talking over it: 8 times, 3-4 s each
    person = read_audio(SPEECH / "en_librispeech_1995-1837-0001.wav")[: SAMPLE_RATE * 4]
    with_people = mic.copy()
    starts = [int((k + 0.5) * n / 8) for k in range(8)]
    for s in starts:
        level = 10 ** (-rng.uniform(0, 6) / 20)
        with_people[s:s + person.size] += level * person[: n - s]
    onsets = [s / SAMPLE_RATE + float(np.argmax(np.abs(person) > 0.05)) / SAMPLE_RATE for s in starts]
    out: dict[str, Any] = {"program_seconds": round(n / SAMPLE_RATE, 1),
                           "rooms_delay_samples_gain_db": rooms}
    for name, settings in {"": {}, **(compare or {})}.items():
        figures = _echo_figures(config, program, mic, with_people, onsets,
                                person.size / SAMPLE_RATE,
                                lambda settings=settings: EchoSuppressor(**settings))
        if not name:
            out.update(figures)
        else:
            out.setdefault("compare", {})[name] = figures
    return out


def _echo_figures(config: ListenConfig, program: np.ndarray, mic: np.ndarray,
                  with_people: np.ndarray, onsets: list[float], person_s: float,
                  suppressor: Any) -> dict[str, Any]:
    from vhuman.models.asr import get_vad
    from vhuman.stage.listen.listener import Listener

    clean = _echo_run(config, program, mic, suppressor(), get_vad, Listener)
    people = _echo_run(config, program, with_people, suppressor(), get_vad, Listener)
    hits, delays = 0, []
    for onset in onsets:
        found = [t for t in people["barge_in_times"] if onset - 0.2 <= t <= onset + 2.0]
        if found:
            hits += 1
            delays.append(found[0] - onset)
    return {"false_barge_ins": len(clean["barge_in_times"]),
            "false_barge_in_times_s": [round(t, 2) for t in clean["barge_in_times"]],
            "false_barge_in_last_check_db": clean["barge_in_checks_db"],
            "echo_speech_runs_refused": clean["echo_runs"],
            "runs_verified_as_echo_through_a_new_path": clean["verified_new_path"],
            "runs_verified_as_echo_with_people": people["verified_new_path"],
            "false_turns_answerable": clean["ok_turns"],
            "turns_marked_echo": clean["echo_turns"],
            "people_barge_ins_detected": f"{hits}/{len(onsets)}",
            "people_speech_onset_to_barge_in_p50_s": _pct(delays, 50),
            "false_barge_ins_with_people": sum(
                not any(o - 0.2 <= t <= o + person_s + 0.5 for o in onsets)
                for t in people["barge_in_times"]),
            "barge_in_times_with_people_s": [round(t, 2) for t in people["barge_in_times"]],
            "people_onsets_s": [round(t, 2) for t in onsets],
            "echo_cpu_rtf": clean["rtf"]}


def _echo_run(config, program, mic, suppressor, get_vad, Listener) -> dict[str, Any]:  # noqa: N803
    class NoWords:
        """Recognition is not under test here: every turn 'says' something."""

        name, sample_rate = "none", SAMPLE_RATE

        def transcribe(self, audio, *, language=None, prompt=None):
            from vhuman.models.asr.base import Transcription

            return Transcription("words", language="en", confidence=0.9)

    listener = Listener(NoWords(), get_vad(), config.turns, partials=False, echo=suppressor)
    barge, checks, echo_runs, ok, echoed = [], [], 0, 0, 0
    t0 = time.perf_counter()
    for i in range(0, program.size - 511, 512):
        suppressor.reference(program[i:i + 512])
        for event in listener.feed(mic[i:i + 512]):
            if event.kind == "speaking":
                if event.echo:
                    echo_runs += 1
                else:
                    barge.append(listener.clock)
                    last = suppressor.last_check  # the fresh filter's last check, dB
                    checks.append(None if last is None else round(last[1], 1))
            elif event.kind == "final":
                ok += event.turn.status == "ok"
                echoed += event.turn.status == "echo"
    return {"barge_in_times": barge, "barge_in_checks_db": checks, "echo_runs": echo_runs, "ok_turns": ok,
            "echo_turns": echoed, "verified_new_path": suppressor.verified, "rtf": round((time.perf_counter() - t0) / (program.size / SAMPLE_RATE), 4)}


def workers_side_by_side(repeats: int = 3) -> dict[str, Any]:
    """A turn's final recognition asked while a partial is being decoded, as a live
    listener does when a person stops: a 7.5 s partial starts, the 8.7 s recognition at the
    pause 0.15 s later; seconds from asking the pause's recognition to its result, for
    (threads per decode, decodes at once) = (1, 1), (2, 1), (1, 2), side by side."""
    from vhuman.models.asr.whisper import WhisperRecognizer

    turn = read_audio(SPEECH / "en_librispeech_1995-1837-0001.wav")
    partial = read_audio(SPEECH / "en_ljspeech_LJ001-0005.wav")[: int(7.5 * SAMPLE_RATE)]
    out: dict[str, Any] = {"loadavg_before": _loadavg()}
    for threads, workers in ((1, 1), (2, 1), (1, 2)):
        recognizer = WhisperRecognizer("base", threads=threads, workers=workers)
        recognizer.transcribe(turn, language="en")  # warm
        waits, alone = [], []
        for _ in range(repeats):
            worker = threading.Thread(target=recognizer.transcribe, args=(partial,),
                                      kwargs={"language": "en"})
            worker.start()
            time.sleep(0.15)
            t0 = time.monotonic()
            recognizer.transcribe(turn, language="en")
            waits.append(round(time.monotonic() - t0, 3))
            worker.join()
            t0 = time.monotonic()
            recognizer.transcribe(turn, language="en")
            alone.append(round(time.monotonic() - t0, 3))
        out[f"threads{threads}_workers{workers}"] = {"pause_beside_partial_s": waits,
                                                     "pause_alone_s": alone}
    out["loadavg_after"] = _loadavg()
    return out


def _loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def run(quick: bool = False) -> dict[str, Any]:
    config = ListenConfig()
    figures: dict[str, Any] = {"recognizer": f"whisper-{config.model} int8 (packaged), "
                                             f"{config.window} encoder window",
                               "vad": "silero (onnx)", "cpu_count": os.cpu_count(),
                               "turns": config.turns.__dict__}
    figures["loadavg_before"] = _loadavg()
    figures["accuracy"] = accuracy(config)
    figures["loadavg_after_accuracy"] = _loadavg()
    if not quick:  # the same recordings with Whisper's own 30 s encoder window
        full = replace(config, window="full")
        figures["accuracy_full_window"] = {k: v for k, v in accuracy(full).items()
                                           if k != "per_clip"}
        figures["loadavg_after_accuracy_full_window"] = _loadavg()
    figures["workers_side_by_side"] = workers_side_by_side(1 if quick else 3)
    figures["echo"] = echo(config, seconds=60.0 if quick else 300.0)
    figures["loadavg_after_echo"] = _loadavg()
    clips = ["en_ljspeech_LJ001-0004.wav", "zh_aishell3_SSB03410265.wav",
             "en_librispeech_1995-1837-0001.wav", "es_picovoice_test_es.wav",
             "en_ljspeech_LJ001-0005.wav"]
    if quick:
        clips = clips[:3]
    figures["live_calm"] = asyncio.run(_live(config, clips))
    figures["live_calm"]["loadavg"] = _loadavg()
    if shutil.which("stress-ng") is not None:
        stress = subprocess.Popen(["stress-ng", "--cpu", "2", "--timeout", "600s", "--quiet"])
        try:
            time.sleep(2.0)
            figures["live_stress_ng_cpu2"] = asyncio.run(_live(config, clips))
            figures["live_stress_ng_cpu2"]["loadavg"] = _loadavg()
        finally:
            stress.terminate()
            stress.wait(10)
    else:
        figures["live_stress_ng_cpu2"] = {"skipped": "stress-ng is not installed"}
    return figures


if __name__ == "__main__":
    import json
    import sys

    if "--echo" in sys.argv:  # N runs of the echo test, beside the check before 2026-12-07
        runs = int(sys.argv[sys.argv.index("--echo") + 1])
        first = int(sys.argv[sys.argv.index("--from") + 1]) if "--from" in sys.argv else 0
        before = {"verify_windows_s": (0.45,), "verify_candidates": 1, "person_db": None}
        for seed in range(first, first + runs):
            print(json.dumps({"seed": seed, "loadavg": _loadavg(),
                              **echo(ListenConfig(), 300.0, seed, {"before": before})},
                             default=float), flush=True)
    elif "--workers" in sys.argv:  # decodes side by side: threads per decode, decodes at once
        print(json.dumps(workers_side_by_side(), indent=1))
    elif "--live" in sys.argv:  # end of speech -> final / first audio only, calm
        clips = ["en_ljspeech_LJ001-0004.wav", "zh_aishell3_SSB03410265.wav",
                 "en_librispeech_1995-1837-0001.wav", "es_picovoice_test_es.wav",
                 "en_ljspeech_LJ001-0005.wav"]
        if "--all" in sys.argv:  # every recording with a whole reference (not the meeting)
            clips = [row["file"] for row in _manifest()]
        figures = asyncio.run(_live(ListenConfig(), clips))
        figures["loadavg"] = _loadavg()
        print(json.dumps(figures, indent=1, ensure_ascii=False, default=float))
    else:
        print(json.dumps(run(quick="--quick" in sys.argv), indent=1, ensure_ascii=False,
                         default=float))
