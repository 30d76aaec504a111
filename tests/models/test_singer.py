"""The singer on tiny scores: pitch steps, ties, rests, melismas, phoneme contract."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from vhuman.animation.lipsync import lipsync
from vhuman.animation.phonemes import VOWELS
from vhuman.animation.vocabulary import VISEMES, Viseme
from vhuman.models.sing import Singer, load_score
from vhuman.models.sing.lyrics import is_vowel
from vhuman.models.sing.score import midi_to_hz

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def singer() -> Singer:
    return Singer("joe")


def _sing(singer: Singer, tmp_path: Path, notes: str, tempo: int = 90):
    path = tmp_path / "tiny.yaml"
    path.write_text(f"tempo: {tempo}\nnotes:\n{notes}", encoding="utf-8")
    return singer.sing(load_score(path), transpose="none", seed=1)


def _f0(song) -> tuple[np.ndarray, np.ndarray]:
    import pyworld

    x = song.chunk.samples.astype(np.float64)
    f0, t = pyworld.harvest(x, song.chunk.sample_rate, f0_floor=60.0, f0_ceil=500.0,
                            frame_period=5.0)
    return t, f0


def _cents_in(song, t: np.ndarray, f0: np.ndarray, note, part=(0.3, 0.9)) -> np.ndarray:
    a = note.start + song.offset + part[0] * note.duration
    b = note.start + song.offset + part[1] * note.duration
    sel = (t >= a) & (t < b) & (f0 > 0)
    return 1200 * np.log2(f0[sel] / midi_to_hz(note.midi))


def _vowel_spans(song) -> list[tuple[float, float, str]]:
    sr = song.chunk.sample_rate
    return [(p.start / sr, p.end / sr, p.phoneme) for p in song.chunk.phonemes
            if is_vowel(p.phoneme)]


def test_sung_f0_follows_a_two_note_step(singer: Singer, tmp_path: Path) -> None:
    song = _sing(singer, tmp_path, '  - [C3, 2, "sing"]\n  - [G3, 2, "high"]\n')
    t, f0 = _f0(song)
    low, high = (n for n in song.score.notes)
    for note in (low, high):
        cents = _cents_in(song, t, f0, note)
        assert cents.size > 40, "the note should be voiced"
        assert abs(float(np.median(cents))) < 25
        assert np.mean(np.abs(cents) < 50) > 0.9
    # the audio contract: phonemes cover the chunk exactly, in order
    chunk = song.chunk
    assert sum(p.duration for p in chunk.phonemes) == chunk.samples.size
    for a, b in itertools.pairwise(chunk.phonemes):
        assert a.end == b.start
    assert np.max(np.abs(chunk.samples)) <= 1.0


def test_tied_note_is_one_syllable_with_one_held_vowel(singer: Singer, tmp_path: Path) -> None:
    song = _sing(singer, tmp_path, '  - [D3, 1, "moon"]\n  - [D3, 2, "~"]\n')
    assert len(song.syllables) == 1
    vowels = _vowel_spans(song)
    assert len(vowels) == 1
    start, end, _ = vowels[0]
    note0, note1 = song.score.notes
    assert start == pytest.approx(note0.start + song.offset, abs=0.002)
    assert end > note1.start + song.offset + 0.5 * note1.duration  # held through the tie


def test_rest_is_silence_with_the_mouth_closed(singer: Singer, tmp_path: Path) -> None:
    song = _sing(singer, tmp_path, '  - [C3, 1, "one"]\n  - [r, 2]\n  - [D3, 1, "two"]\n')
    rest = song.score.notes[1]
    sr = song.chunk.sample_rate
    a = int((rest.start + song.offset + 0.15) * sr)
    b = int((rest.end + song.offset - 0.3) * sr)  # the next onset consonant may start early
    quiet = song.chunk.samples[a:b]
    assert quiet.size > 0.5 * sr * 0.5
    assert float(np.sqrt(np.mean(quiet**2))) < 1e-3
    sung = song.chunk.samples[: int((rest.start + song.offset) * sr)]
    assert float(np.sqrt(np.mean(sung**2))) > 0.02
    fps = 30.0
    track = lipsync([song.chunk], fps=fps)
    i0, i1 = int(np.ceil((rest.start + song.offset + 0.15) * fps)), int((rest.end + song.offset - 0.3) * fps)
    sil = VISEMES.index(Viseme.SIL)
    vowel_cols = [VISEMES.index(v) for v in VOWELS]
    assert np.all(track[i0:i1, sil] > 0.9)
    assert np.all(track[i0:i1][:, vowel_cols].sum(axis=1) < 0.1)


def test_melisma_holds_the_vowel_across_its_notes(singer: Singer, tmp_path: Path) -> None:
    song = _sing(singer, tmp_path,
                 '  - [C3, 1, "ah"]\n  - [D3, 1, "_"]\n  - [E3, 1, "_"]\n  - [C3, 1, "no"]\n')
    assert [s.syllable.text for s in song.syllables] == ["ah", "no"]
    first_vowel = _vowel_spans(song)[0]
    n0, n1, n2 = song.score.notes[:3]
    assert first_vowel[0] == pytest.approx(n0.start + song.offset, abs=0.002)
    assert first_vowel[1] >= n2.end + song.offset - 0.25 * n2.duration
    t, f0 = _f0(song)
    for note in (n0, n1, n2):  # one vowel, three pitches
        assert abs(float(np.median(_cents_in(song, t, f0, note)))) < 30
    fps = 30.0
    track = lipsync([song.chunk], fps=fps)
    vowel_cols = [VISEMES.index(v) for v in VOWELS]
    i0 = int((n0.start + song.offset + 0.1) * fps)
    i1 = int((n2.end + song.offset - 0.15) * fps)
    assert np.all(track[i0:i1][:, vowel_cols].sum(axis=1) > 0.5)  # the mouth stays open
