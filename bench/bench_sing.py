"""Singing figures: pitch, vowel timing, lip-sync, speed, intelligibility, video render.

Every figure is measured on the output: F0 by pYIN on the sung audio against the score,
vowel onsets from the audio's loudness against note onsets, the mouth-open track of the
lip-sync against the sung vowels, words recognised back by PocketSphinx (and, for
reference, by the same recogniser on the same lyrics spoken by the same voice), the
singer's wall time against the song's length, and a 512² render of a song with its
score-rendered backing. The songs are the examples in ``examples/songs``.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SONGS = ("examples/songs/twinkle.musicxml", "examples/songs/ode_to_joy.musicxml",
         "examples/songs/the_show_is_on.mid")
FPS = 30.0


def _vowel_spans(chunk) -> list[tuple[float, float]]:
    """Sung vowel spans (s), consecutive vowel phonemes merged (diphthongs, hiatus)."""
    from vhuman.models.sing.lyrics import is_vowel

    spans: list[list[float]] = []
    sr = chunk.sample_rate
    prev_end = None
    for p in chunk.phonemes:
        if not is_vowel(p.phoneme):
            prev_end = None
            continue
        a, b = p.start / sr, p.end / sr
        if prev_end is not None and spans and abs(spans[-1][1] - a) < 1e-6:
            spans[-1][1] = b
        else:
            spans.append([a, b])
        prev_end = b
    return [(a, b) for a, b in spans]


OBSTRUENTS = frozenset("pbtdkgɡfvθszʃʒʧʤ")


def _onset_errors(song) -> list[float]:
    """|vowel onset heard in the audio − note onset| (s), for syllables whose vowel follows
    an obstruent (stop, fricative, affricate). After a vowel, a sonorant (l, r, n, m, w,
    j) or a weak ð/h, the loudness has no clear edge at the vowel, so no onset is taken."""
    from vhuman.models.sing.evaluate import vowel_onsets

    last_onset: dict[int, Any] = {}
    for p in song.placed:
        if p.kind == "onset":
            last_onset[p.syllable] = p
    onsets = []
    for i, syl in enumerate(song.syllables):
        phone = last_onset.get(i)
        if phone is not None and phone.phoneme[:1] in OBSTRUENTS:
            onsets.append(syl.vowel_start)
    found = vowel_onsets(song.chunk.samples, song.chunk.sample_rate, onsets)
    return [abs(f - t) for f, t in zip(found, onsets, strict=True) if f is not None]


def _slowed(samples: np.ndarray, sr: int, factor: int = 2) -> np.ndarray:
    """The same speech ``factor`` times slower through WORLD, pitch and spectrum kept: how
    much of the recogniser's trouble with singing is only the length of sung syllables."""
    import pyworld

    from vhuman.models.sing.singer import FRAME_MS, _analyse

    f0, sp, ap = _analyse(pyworld, samples, sr)
    idx = np.minimum(np.arange(sp.shape[0] * factor) // factor, sp.shape[0] - 1)
    return pyworld.synthesize(f0[idx], np.ascontiguousarray(sp[idx]),
                              np.ascontiguousarray(ap[idx]), sr, FRAME_MS).astype(np.float32)


def _aligned_phrases(song, align_words) -> tuple[list[float | None], list[float]]:
    """Each lyric word's start as force-aligned in the sung audio (phrase by phrase; None
    where the aligner gave up) and as planned."""
    sr = song.chunk.sample_rate
    planned = _word_starts(song)
    found: list[float | None] = []
    for phrase in song.score.phrases():
        n_words = len(phrase.words())
        a = max(0.0, phrase.start + song.offset - 0.4)
        b = phrase.end + song.offset + 0.2
        words = align_words(song.chunk.samples[int(a * sr):int(b * sr)], sr, phrase.text)
        if len(words) == n_words:
            found += [a + w[1] for w in words]
        else:
            found += [None] * n_words
    return found, planned


def _word_starts(song) -> list[float]:
    """Planned start (s) of each lyric word: its first syllable's first sung phone."""
    firsts = _first_phones(song)
    out, new_word = [], True
    for placed, syl in firsts:
        if new_word:
            out.append(placed.start if placed is not None else syl.vowel_start)
        new_word = syl.syllable.word_end
    return out


def _first_phones(song):
    first: dict[int, object] = {}
    for p in song.placed:
        first.setdefault(p.syllable, p)
    return [(first.get(i), s) for i, s in enumerate(song.syllables)]


def _song_figures(singer, path: Path, spoken_tts) -> tuple[dict, object]:
    from vhuman.animation.lipsync import lipsync
    from vhuman.animation.sing import mouth_vowel_agreement
    from vhuman.models.sing import load_score
    from vhuman.models.sing.evaluate import (
        align_words,
        pitch_report,
        recognise,
        track_f0,
        word_error_rate,
    )

    score = load_score(path)
    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    song = singer.sing(score, seed=0)
    synth_s = time.perf_counter() - t0
    times, f0 = track_f0(song.chunk.samples, song.chunk.sample_rate)
    pitch = pitch_report(song.score.notes, song.offset, times, f0)
    onset_err = np.asarray(_onset_errors(song))
    track = lipsync([song.chunk], fps=FPS)
    mouth = mouth_vowel_agreement(track, _vowel_spans(song.chunk), FPS)
    lyrics = " ".join(p.text for p in song.score.phrases())
    sung_words = recognise(song.chunk.samples, song.chunk.sample_rate)
    spoken = np.concatenate([c.samples for c in spoken_tts.synthesize_iter(lyrics)])
    spoken_words = recognise(spoken, spoken_tts.sample_rate)
    slowed_words = recognise(_slowed(spoken, spoken_tts.sample_rate), spoken_tts.sample_rate)
    aligned, planned = _aligned_phrases(song, align_words)
    align_err = np.asarray([abs(a - p) for a, p in zip(aligned, planned, strict=True)
                            if a is not None])
    figures = {
        "song": path.name,
        "seconds": round(song.duration, 2),
        "notes": pitch.notes,
        "transposed": song.score.transposed,
        "synth_s": round(synth_s, 2),
        "synth_realtime_factor": round(synth_s / song.duration, 3),
        "load_avg": round(load0, 2),
        "pitch_voiced_frames": pitch.voiced_frames,
        "pitch_within_50c": round(pitch.within_50_cents, 4),
        "pitch_within_50c_steady": round(pitch.within_50_cents_steady, 4),
        "median_note_error_cents": round(pitch.median_note_error_cents, 1),
        "p90_note_error_cents": round(pitch.p90_note_error_cents, 1),
        "vowel_onsets_measured": int(onset_err.size),
        "vowel_onset_error_ms_p50": round(1000 * float(np.median(onset_err)), 1) if onset_err.size else None,
        "vowel_onset_error_ms_p90": round(1000 * float(np.percentile(onset_err, 90)), 1) if onset_err.size else None,
        "mouth_edges_within_one_frame": round(mouth["within_one_frame"], 4),
        "mouth_edge_error_frames_p90": round(mouth["p90_frames"], 2),
        "mouth_edges_measured": mouth["edges_measured"],
        "mouth_edges_carried": mouth["edges_carried"],
        "wer_sung": round(word_error_rate(lyrics, sung_words), 3),
        "wer_spoken_same_voice": round(word_error_rate(lyrics, spoken_words), 3),
        "wer_spoken_2x_slower": round(word_error_rate(lyrics, slowed_words), 3),
        "aligned_words": f"{align_err.size}/{len(planned)}",
        "aligned_word_start_error_ms_p50": round(1000 * float(np.median(align_err)), 1) if align_err.size else None,
        "aligned_words_within_100ms": round(float(np.mean(align_err <= 0.1)), 3) if align_err.size else None,
        "recognised_sung": sung_words,
    }
    return figures, song


def run(quick: bool = False) -> dict:
    from vhuman.models.sing import Singer
    from vhuman.models.sing.plot import plot_pitch
    from vhuman.models.tts import get_tts
    from vhuman.stage.say import RenderOptions
    from vhuman.stage.sing import render_song

    singer = Singer("joe")
    singer.range()  # measures the voice once (not part of a song's synthesis time)
    spoken_tts = get_tts("piper")
    songs = SONGS[:1] if quick else SONGS
    per_song, first_song = [], None
    for name in songs:
        figures, song = _song_figures(singer, ROOT / name, spoken_tts)
        per_song.append(figures)
        first_song = first_song or song
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    plot_pitch(first_song, out_dir / "sing_pitch.png", seconds=12.0)
    with tempfile.TemporaryDirectory() as tmp:
        load0 = os.getloadavg()[0]
        opts = RenderOptions(width=512, height=512, fps=FPS, camera="full_body")
        result = render_song(ROOT / SONGS[0], Path(tmp) / "song.mp4", dance="sway",
                             options=opts)
        render_only = result.total_s - result.synth_s
        _save_frame(Path(tmp) / "song.mp4", out_dir / "sing_frame.png", result)
    keys = ("pitch_within_50c", "pitch_within_50c_steady", "median_note_error_cents",
            "vowel_onset_error_ms_p90", "mouth_edges_within_one_frame", "wer_sung",
            "wer_spoken_same_voice", "wer_spoken_2x_slower", "synth_realtime_factor")
    summary = {k: [s[k] for s in per_song] for k in keys}
    return {
        "songs": per_song,
        "summary": summary,
        "render_song": SONGS[0],
        "render_seconds": round(result.duration, 2),
        "render_total_s": round(result.total_s, 2),
        "render_video_s": round(render_only, 2),
        "render_speed_x_realtime": round(result.duration / result.total_s, 2),
        "render_load_avg": round(load0, 2),
        "render_backing": result.plan.backing if result.plan else None,
        "note": "pitch by pYIN on the sung audio vs the (transposed) score over each note; "
                "'steady' leaves out 60 ms after legato note changes (the portamento); vowel "
                "onsets from audio loudness for vowels after an obstruent; mouth "
                "edges: first/last open frame of the lip-sync vs each sung vowel; WER by "
                "PocketSphinx (packaged US-English model) on the sung vs spoken lyrics (and the "
                "spoken lyrics made 2x slower by WORLD); "
                "render = sing + backing (FluidSynth) + motion + skin + render + encode at 512²",
    }


def _save_frame(video: Path, out_png: Path, result) -> None:
    """The frame in the middle of the longest sung vowel of the first 10 s (mouth open)."""
    import av

    song = result.plan.song
    spans = [s for s in _vowel_spans(song.chunk) if s[1] < 10.0]
    a, b = max(spans, key=lambda s: s[1] - s[0]) if spans else (0.0, 0.0)
    target = int(0.5 * (a + b) * FPS)
    with av.open(str(video)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i == target:
                frame.to_image().save(out_png)
                return
