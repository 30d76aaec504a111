"""Synthetic speech chunks with known phoneme timings for the motion tests."""

from __future__ import annotations

import numpy as np

from vhuman.models.types import AudioChunk, PhonemeTiming

SR = 16000


def chunk(
    phonemes: list[tuple[str, float]], sr: int = SR, seed: int = 0, text: str = ""
) -> AudioChunk:
    """An AudioChunk whose audio is voiced where phonemes are and silent in pauses."""
    rng = np.random.default_rng(seed)
    timings = []
    start = 0
    parts = []
    for ph, dur in phonemes:
        n = int(round(dur * sr))
        timings.append(PhonemeTiming(ph, start, n))
        start += n
        t = np.arange(n) / sr
        if ph.strip(" ,.") == "":
            parts.append(0.001 * rng.standard_normal(n))
        else:
            parts.append(0.3 * np.sin(2 * np.pi * 140 * t) + 0.05 * rng.standard_normal(n))
    return AudioChunk(np.concatenate(parts).astype(np.float32), sr, timings, text=text)


def random_speech(n: int, seed: int = 0) -> list[tuple[str, float]]:
    """A random phoneme stream with realistic durations (pauses, bilabials, vowels)."""
    rng = np.random.default_rng(seed)
    vowels = ["ɑ", "æ", "ə", "ɛ", "i", "ɪ", "oʊ", "u", "aɪ", "eɪ", "ɔ"]
    cons = [
        "p",
        "b",
        "m",
        "t",
        "d",
        "k",
        "s",
        "z",
        "n",
        "l",
        "ɹ",
        "f",
        "v",
        "ð",
        "ʃ",
        "tʃ",
        "h",
        "w",
    ]
    out: list[tuple[str, float]] = [(" ", 0.15)]
    for _ in range(n):
        out.append((str(rng.choice(cons)), float(rng.uniform(0.045, 0.11))))
        out.append((str(rng.choice(vowels)), float(rng.uniform(0.07, 0.2))))
        if rng.random() < 0.2:
            out.append((" ", float(rng.uniform(0.05, 0.25))))
    out.append((" ", 0.2))
    return out
