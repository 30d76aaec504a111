import numpy as np

from tests.animation.speech_fixtures import SR, chunk, random_speech
from vhuman.animation.audio_visemes import audio_viseme_track
from vhuman.animation.lipsync import bilabial_closed, lipsync, onset_errors, segments_from_timings
from vhuman.animation.vocabulary import VISEMES, Viseme

COL = {v: i for i, v in enumerate(VISEMES)}
FPS = 30.0
OPEN = [COL[v] for v in (Viseme.AA, Viseme.E, Viseme.IH, Viseme.OH, Viseme.OU)]


def test_a_p_b_m_phoneme_closes_the_mouth_at_its_time():
    c = chunk(
        [
            (" ", 0.2),
            ("ɑ", 0.15),
            ("p", 0.05),
            ("ɑ", 0.15),
            ("m", 0.06),
            ("ɑ", 0.2),
            ("b", 0.04),
            ("i", 0.2),
            (" ", 0.2),
        ]
    )
    track = lipsync([c], fps=FPS)
    for name, t_mid in (("p", 0.375), ("m", 0.58), ("b", 0.83)):
        row = track[int(round(t_mid * FPS))]
        assert np.argmax(row) == COL[Viseme.PP], name
        assert row[OPEN].sum() < 0.3, name
    # and the vowels in between open the mouth
    assert np.argmax(track[int(0.28 * FPS)]) == COL[Viseme.AA]
    assert np.argmax(track[int(0.1 * FPS)]) == COL[Viseme.SIL]


def test_bilabials_closed_and_onsets_within_a_frame_on_random_speech():
    chunks = [chunk(random_speech(40, seed=s), seed=s) for s in range(3)]
    track = lipsync(chunks, fps=FPS)
    assert track.shape == (int(np.ceil(sum(c.duration for c in chunks) * FPS - 1e-9)), 15)
    segments, closed, offset = [], [], 0.0
    for c in chunks:
        segments += segments_from_timings(c.phonemes, SR, offset)
        closed += bilabial_closed(track, c.phonemes, SR, FPS, offset)
        offset += c.duration
    assert len(closed) > 12 and np.mean(closed) >= 0.95
    errors = onset_errors(track, segments, FPS)
    assert errors.size > 100
    assert np.mean(errors) <= 1.0 and np.median(errors) <= 0.7


def test_weights_are_bounded_and_do_not_flicker():
    track = lipsync([chunk(random_speech(30, seed=7), seed=7)], fps=60.0)
    assert track.min() >= 0.0 and track.sum(axis=1).max() <= 1.0 + 1e-5
    # a flicker = a weight going up-down-up (or down-up-down) by > 0.3 within three frames
    d = np.diff(track, axis=0)
    flicker = (d[:-1] > 0.3) & (d[1:] < -0.3) | (d[:-1] < -0.3) & (d[1:] > 0.3)
    assert flicker.mean() < 0.002


def test_jaw_opens_with_audio_energy_and_coarticulation_borrows_the_vowel():
    loud = chunk([(" ", 0.1), ("ɑ", 0.3), (" ", 0.1)])
    quiet = chunk([(" ", 0.1), ("ɑ", 0.3), (" ", 0.1)])
    quiet.samples = quiet.samples.copy()
    quiet.samples[int(0.1 * SR) : int(0.25 * SR)] *= 0.2  # first half of the vowel is soft
    a_loud, a_quiet = lipsync([loud])[:, COL[Viseme.AA]], lipsync([quiet])[:, COL[Viseme.AA]]
    assert a_quiet[5] < a_loud[5] - 0.1
    # a 't' before 'u' shows rounded lips too (the next vowel)
    track = lipsync([chunk([(" ", 0.1), ("t", 0.1), ("u", 0.2), (" ", 0.1)])])
    assert track[int(0.15 * FPS), COL[Viseme.OU]] > 0.2


def test_chunks_are_placed_back_to_back():
    a = chunk([(" ", 0.3), ("ɑ", 0.3)])
    b = chunk([("m", 0.1), ("ɑ", 0.3), (" ", 0.1)])
    track = lipsync([a, b], fps=FPS)
    assert np.argmax(track[int(round(0.65 * FPS))]) == COL[Viseme.PP]  # b's 'm' sits at 0.6..0.7 s


def _vowel(f1: float, f2: float, dur: float = 0.5, sr: int = SR) -> np.ndarray:
    from scipy.signal import lfilter

    n = int(sr * dur)
    y = np.zeros(n)
    y[:: int(sr / 120)] = 1.0
    for f, bw in ((f1, 80), (f2, 100), (2700, 120)):
        r = np.exp(-np.pi * bw / sr)
        y = lfilter([1 - r], [1, -2 * r * np.cos(2 * np.pi * f / sr), r * r], y)
    return 0.5 * y / np.abs(y).max()


def test_audio_fallback_tells_silence_open_and_close_vowels_and_hiss_apart():
    rng = np.random.default_rng(0)
    gap = np.zeros(int(0.3 * SR))
    y = np.concatenate(
        [
            gap,
            _vowel(750, 1250),
            gap,
            _vowel(300, 2300),
            gap,
            _vowel(330, 800),
            gap,
            0.3 * rng.standard_normal(int(0.4 * SR)),
        ]
    ).astype(np.float32)
    track = audio_viseme_track(y, SR, fps=FPS)
    top = [VISEMES[i] for i in track.argmax(axis=1)]
    assert top[int(0.1 * FPS)] == Viseme.SIL
    assert top[int(0.55 * FPS)] == Viseme.AA
    assert top[int(1.35 * FPS)] == Viseme.IH
    assert top[int(2.15 * FPS)] == Viseme.OU
    assert top[int(2.75 * FPS)] == Viseme.SS
    # lipsync uses the fallback for chunks without timings
    c = chunk([(" ", 0.1)])
    c.samples, c.phonemes = y, []
    assert np.allclose(lipsync([c], fps=FPS, phase=0.0), track, atol=1e-6)
    shifted = audio_viseme_track(y, SR, fps=FPS, time_offset=0.5 / FPS)
    assert np.allclose(lipsync([c], fps=FPS), shifted, atol=1e-6)  # mid-frame sampling


def test_audio_fallback_ignores_a_noise_floor_but_not_speech():
    rng = np.random.default_rng(1)
    gap = np.zeros(int(0.4 * SR))
    y = np.concatenate([gap, _vowel(750, 1250), gap, _vowel(520, 900), gap])
    y = (y + 0.004 * rng.standard_normal(y.size)).astype(np.float32)  # a hissy recording
    top = [VISEMES[i] for i in audio_viseme_track(y, SR, fps=FPS).argmax(axis=1)]
    assert top[int(0.2 * FPS)] == Viseme.SIL and top[int(1.1 * FPS)] == Viseme.SIL
    assert top[int(0.65 * FPS)] == Viseme.AA and top[int(1.55 * FPS)] == Viseme.OH


def test_bad_chunks_get_errors_naming_the_chunk():
    import pytest

    from vhuman.models.types import InputError, PhonemeTiming

    good = chunk([(" ", 0.1), ("ɑ", 0.1)])
    bad = chunk([("ɑ", 0.1)], text="broken")
    bad.samples = bad.samples.copy()
    bad.samples[3] = np.nan
    with pytest.raises(InputError, match="chunk 1 .*NaN"):
        lipsync([good, bad])
    other_rate = chunk([("ɑ", 0.1)], sr=22050)
    with pytest.raises(InputError, match="sample_rate"):
        lipsync([good, other_rate])
    with pytest.raises(InputError, match="negative"):
        segments_from_timings([PhonemeTiming("a", 0, -5)], SR)


def test_frames_sample_the_middle_of_their_display_time_so_the_mouth_is_not_late():
    """Measured as a viewer sees it (each frame held for 1/fps, cross-correlated with the
    audio energy): mid-frame sampling keeps the mouth within 10 ms of the sound at any
    frame rate; sampling frame starts makes it half a frame late."""
    from vhuman.stage.live.sync import av_offset

    chunks = [chunk(random_speech(60, seed=s), seed=s) for s in range(3)]
    audio = np.concatenate([c.samples for c in chunks])
    for fps in (25.0, 30.0, 60.0):
        centred, _ = av_offset(lipsync(chunks, fps=fps)[:, OPEN].sum(axis=1), fps, audio, SR)
        start, _ = av_offset(
            lipsync(chunks, fps=fps, phase=0.0)[:, OPEN].sum(axis=1), fps, audio, SR
        )
        assert abs(centred) <= 0.010, (fps, centred)
        assert abs((start - centred) - 0.5 / fps) <= 0.004, (fps, start, centred)
