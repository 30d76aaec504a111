"""The singing measures on signals whose answer is known (they back `bench sing`)."""

from __future__ import annotations

import numpy as np

from vhuman.animation.sing import mouth_vowel_agreement
from vhuman.animation.vocabulary import VISEMES, Viseme
from vhuman.models.sing.evaluate import pitch_report, vowel_onsets, word_error_rate
from vhuman.models.sing.score import ScoreNote, midi_to_hz


def test_word_error_rate_counts_edits_over_reference_words() -> None:
    assert word_error_rate("twinkle twinkle little star", "twinkle twinkle little star") == 0
    assert word_error_rate("twinkle twinkle little star", "twinkle little car") == 0.5
    assert word_error_rate("How I wonder!", "how i wonder what") == 1 / 3


def test_vowel_onset_found_after_the_consonant_dip() -> None:
    sr = 22050
    rng = np.random.default_rng(0)
    t = np.arange(int(1.0 * sr)) / sr
    y = 0.3 * np.sin(2 * np.pi * 150 * t)  # a held vowel ...
    y[int(0.40 * sr):int(0.48 * sr)] = 0.02 * rng.standard_normal(int(0.08 * sr))  # ... "s"
    onset = vowel_onsets(y, sr, [0.48])[0]
    assert onset is not None and abs(onset - 0.48) < 0.01
    assert vowel_onsets(0.3 * np.sin(2 * np.pi * 150 * t), sr, [0.48]) == [None]  # no dip


def test_pitch_report_on_an_exact_and_a_flat_track() -> None:
    notes = [ScoreNote(0.0, 0.5, 48.0, "la"), ScoreNote(0.5, 0.5, 55.0, "la")]
    times = np.arange(0, 1.0, 0.01)
    exact = np.where(times < 0.5, midi_to_hz(48.0), midi_to_hz(55.0))
    good = pitch_report(notes, 0.0, times, exact)
    assert good.within_50_cents == 1.0 and good.median_note_error_cents < 1e-6
    flat = pitch_report(notes, 0.0, times, np.full(times.shape, midi_to_hz(48.0)))
    assert 0.45 < flat.within_50_cents < 0.55 and flat.p90_note_error_cents > 600


def test_mouth_agreement_measures_edge_offsets_in_frames() -> None:
    fps, n = 30.0, 90
    aa, sil = VISEMES.index(Viseme.AA), VISEMES.index(Viseme.SIL)
    spans = [(0.5, 1.0), (1.5, 2.5)]

    def track(shift: int) -> np.ndarray:
        w = np.zeros((n, len(VISEMES)), np.float32)
        w[:, sil] = 1.0
        for a, b in spans:
            i0 = int(np.ceil(a * fps - 0.5)) + shift
            i1 = int(np.ceil(b * fps - 0.5)) + shift
            w[i0:i1, aa], w[i0:i1, sil] = 1.0, 0.0
        return w

    assert mouth_vowel_agreement(track(0), spans, fps)["within_one_frame"] == 1.0
    late = mouth_vowel_agreement(track(2), spans, fps)
    assert late["within_one_frame"] == 0.0 and late["p90_frames"] == 2.0
