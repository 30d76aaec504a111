"""Voice benchmark: latency to first audio, real-time factor, and emotion measurements.

Per backend (piper with the default voice, espeak, coqui on a tiny random VITS when
coqui-tts is installed): median text → first chunk latency for a 12-word sentence (warm),
and the real-time factor of a paragraph with emotion processing. For Piper also the raw
engine's RTF on the same text, measured side by side, and per emotion: median F0, F0
range (p90-p10 semitones), speaking rate (phonemes/s from alignments) and RMS (dBFS).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from typing import Any

from vhuman.models.tts import get_tts
from vhuman.models.tts.analysis import measure
from vhuman.models.types import Emotion, SpeakingStyle, VhumanError

SENTENCE_12 = "Welcome back to the show, tonight we have a very special guest."
PARAGRAPH = (
    "Good evening and welcome to the show. Tonight we are talking about the new bridge "
    "across the river. It took three years to build, and it finally opened this morning. "
    "Hundreds of people walked across it before breakfast."
)
EMOTION_SENTENCES = [
    "The weather today is lovely and the park is full of people.",
    "We finally finished the new bridge across the river.",
    "Tomorrow I will tell you everything about the show.",
    "Please remember to bring your tickets with you tonight.",
]
EMOTIONAL = SpeakingStyle(Emotion.EXCITED, 1.0)


def _first_chunk_ms(tts: Any, style: SpeakingStyle, repeats: int) -> tuple[float, float]:
    """Median and best text → first chunk time (ms): the best shows the machine unloaded."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        next(iter(tts.synthesize_iter(SENTENCE_12, style)))
        times.append((time.perf_counter() - start) * 1000.0)
    return round(statistics.median(times), 1), round(min(times), 1)


def _rtf(tts: Any, style: SpeakingStyle, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        audio = sum(c.duration for c in tts.synthesize_iter(PARAGRAPH, style))
        best = min(best, (time.perf_counter() - start) / audio)
    return round(best, 4)


def _piper_raw_rtf(tts: Any, repeats: int) -> float:
    """Piper alone (no normalisation, signal stage or timing folding) on the same text."""
    voice = tts._voice
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        audio = sum(c.audio_float_array.size / c.sample_rate
                    for c in voice.synthesize(PARAGRAPH, include_alignments=True))
        best = min(best, (time.perf_counter() - start) / audio)
    return round(best, 4)


def _backend_figures(tts: Any, repeats: int) -> dict[str, float]:
    tts.warm_up()
    neutral_median, neutral_best = _first_chunk_ms(tts, SpeakingStyle(), repeats)
    excited_median, excited_best = _first_chunk_ms(tts, EMOTIONAL, repeats)
    return {
        "first_chunk_ms_neutral": neutral_median,
        "first_chunk_ms_neutral_best": neutral_best,
        "first_chunk_ms_excited": excited_median,
        "first_chunk_ms_excited_best": excited_best,
        "rtf_neutral": _rtf(tts, SpeakingStyle(), max(1, repeats // 3)),
        "rtf_excited": _rtf(tts, EMOTIONAL, max(1, repeats // 3)),
        "rtf_sad": _rtf(tts, SpeakingStyle(Emotion.SAD, 1.0), max(1, repeats // 3)),
    }


def _duration_ratios(tts: Any, sentences: list[str], repeats: int) -> dict[str, Any]:
    """Per emotion at the default intensity: spoken length over neutral's (summed over
    ``sentences``, ``repeats`` times each: neural voices vary run to run), next to what
    the prosody table asks for (1 / tempo)."""
    from vhuman.models.tts.prosody import prosody_for

    def length(style: SpeakingStyle) -> int:
        return sum(c.samples.size for _ in range(repeats) for s in sentences
                   for c in tts.synthesize_iter(s, style))

    neutral = length(SpeakingStyle(Emotion.NEUTRAL, 0.6))
    out: dict[str, Any] = {}
    for emotion in Emotion:
        if emotion is Emotion.NEUTRAL:
            continue
        style = SpeakingStyle(emotion, 0.6)
        out[emotion.value] = {"measured": round(length(style) / neutral, 4),
                              "table": round(1.0 / prosody_for(style).tempo, 4)}
    return out


def run(quick: bool = False) -> dict:
    """Measure every backend available here; returns a JSON-ready dict of figures."""
    repeats = 5 if quick else 15
    piper = get_tts("piper")
    results: dict[str, Any] = {
        "sentence_words": len(SENTENCE_12.split()),
        "first_chunk_text": next(iter(piper.synthesize_iter(SENTENCE_12))).text,
        "load_avg_1min_at_start": round(os.getloadavg()[0], 2),
        "backends": {},
    }
    figures = _backend_figures(piper, repeats)
    figures["rtf_piper_engine_alone"] = _piper_raw_rtf(piper, max(1, repeats // 3))
    results["backends"]["piper"] = figures
    results["backends"]["espeak"] = _backend_figures(get_tts("espeak"), repeats)
    try:
        from vhuman.models.tts.coqui_tiny import build_tiny_vits

        with tempfile.TemporaryDirectory() as tmp:
            coqui = get_tts("coqui", model_path=str(build_tiny_vits(tmp)))
            figures = _backend_figures(coqui, repeats)
            figures["note"] = "tiny random-weight VITS (1.3 M params), not a real voice"  # type: ignore[assignment]
            results["backends"]["coqui"] = figures
    except VhumanError as exc:
        results["backends"]["coqui"] = {"skipped": str(exc)}

    sentences = EMOTION_SENTENCES[:2] if quick else EMOTION_SENTENCES
    per_emotion = {}
    for emotion in Emotion:
        style = SpeakingStyle(emotion, 1.0)
        chunks = [c for s in sentences for c in piper.synthesize_iter(s, style)]
        per_emotion[emotion.value] = measure(chunks).as_dict()
    results["piper_emotions_intensity_1"] = per_emotion
    results["duration_ratio_vs_neutral_intensity_0.6"] = {
        name: _duration_ratios(get_tts(name), sentences, 2 if quick else 4)
        for name in ("piper", "espeak")}
    results["load_avg_1min_at_end"] = round(os.getloadavg()[0], 2)
    return results
