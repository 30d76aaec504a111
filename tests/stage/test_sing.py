"""`vhuman sing`: a tiny song rendered with backing, lip-sync and dance; bad input."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from vhuman.models.types import InputError
from vhuman.stage.cli import main
from vhuman.stage.live.songs import plan_song
from vhuman.stage.say import RenderOptions
from vhuman.stage.sing import render_song

pytestmark = pytest.mark.slow

TINY = """title: tiny
tempo: 120
notes:
  - [C3, 1, "la"]
  - [E3, 1, "la"]
  - [G3, 2, "sun"]
  - [r, 1]
  - [C3, 1, "day"]
"""


def _two_part_score(tmp_path: Path) -> Path:
    import music21 as m21

    voice, piano = m21.stream.Part(), m21.stream.Part()
    voice.insert(0, m21.instrument.Vocalist())
    piano.insert(0, m21.instrument.Piano())
    voice.append(m21.tempo.MetronomeMark(number=120))
    for pitch, lyric in (("C3", "hel"), ("E3", "lo"), ("G3", "there")):
        n = m21.note.Note(pitch, quarterLength=1)
        n.lyric = lyric
        voice.append(n)
    for _ in range(3):
        piano.append(m21.chord.Chord(["C3", "E3", "G3"], quarterLength=1))
    path = tmp_path / "duet.musicxml"
    m21.stream.Score([voice, piano]).write("musicxml", fp=str(path))
    return path


def test_render_song_writes_video_with_audio(tmp_path: Path) -> None:
    import av

    score = tmp_path / "tiny.yaml"
    score.write_text(TINY, encoding="utf-8")
    out = tmp_path / "tiny.mp4"
    opts = RenderOptions(width=64, height=64, camera="full_body")
    result = render_song(score, out, dance="dance", options=opts)
    assert out.is_file() and abs(result.frames - result.plan.motion.num_frames) <= 2
    assert result.duration == pytest.approx(result.plan.song.duration, abs=0.1)
    with av.open(str(out)) as c:
        assert c.streams.audio and c.streams.video
    motion = result.plan.motion
    hips = motion.bone_names.index("hips") if "hips" in motion.bone_names else None
    assert hips is not None and np.ptp(motion.root_offset[:, 1]) > 0.005  # it dances


@pytest.mark.skipif(shutil.which("fluidsynth") is None, reason="fluidsynth not installed")
def test_backing_from_the_score_other_parts(tmp_path: Path) -> None:
    plan = plan_song(_two_part_score(tmp_path), backing=None, dance="still")
    assert plan.backing == "score"
    song = plan.song
    voice = np.asarray(song.chunk.samples)
    mix = np.asarray(plan.mix.samples)
    # the piano sounds where the voice alone is silent (the lead-in has no voice)
    diff = mix[: voice.size] - voice
    assert float(np.sqrt(np.mean(diff**2))) > 1e-3


def test_backing_file_with_an_intro_starts_the_voice_later(tmp_path: Path) -> None:
    import soundfile as sf

    sr = 22050
    t = np.arange(int(6.0 * sr)) / sr
    backing = tmp_path / "backing.wav"
    sf.write(str(backing), (0.2 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), sr)
    score = tmp_path / "tiny.yaml"
    score.write_text(TINY, encoding="utf-8")
    late = plan_song(score, backing=backing, backing_start=1.5, dance="still")
    assert late.backing == str(backing)
    assert late.song.offset == pytest.approx(1.5, abs=1e-3)  # score time 0 = 1.5 s in
    from vhuman.models.sing.lyrics import is_vowel

    first_vowel = next(p for p in late.song.chunk.phonemes if is_vowel(p.phoneme))
    assert first_vowel.start / sr == pytest.approx(1.5, abs=2e-3)  # the first "la" on beat 1
    intro = np.asarray(late.mix.samples[: int(1.0 * sr)])
    assert float(np.sqrt(np.mean(intro**2))) > 0.01  # the backing's intro plays first
    assert late.mix.duration >= 6.0 - 1e-3
    with pytest.raises(InputError, match="outside the backing"):
        plan_song(score, backing=backing, backing_start=9.0, dance="still")


def test_cli_errors_name_the_problem(tmp_path: Path, capsys) -> None:
    score = tmp_path / "tiny.yaml"
    score.write_text(TINY, encoding="utf-8")
    rc = main(["sing", str(score), "--backing", str(tmp_path / "nope.wav"), "-q",
               "-o", str(tmp_path / "x.mp4"), "--size", "64x64"])
    assert rc == 2 and "backing file not found" in capsys.readouterr().err
    rc = main(["sing", str(tmp_path / "none.musicxml"), "-q", "-o", str(tmp_path / "x.mp4")])
    assert rc == 2 and "score file not found" in capsys.readouterr().err
    rc = main(["sing", str(score), "--backing", "score", "-q", "-o", str(tmp_path / "x.mp4")])
    assert rc == 2 and "no other parts" in capsys.readouterr().err
    rc = main(["sing", str(score), "--dance", "tango", "-q", "-o", str(tmp_path / "x.mp4")])
    assert rc == 2 and "unknown dance style" in capsys.readouterr().err


def test_score_backing_follows_the_voice_into_its_key(tmp_path: Path, monkeypatch) -> None:
    """A melody moved by -18 semitones (octaves do not fit the voice) is sung a tritone away
    from its written key: the accompaniment moves with it (by -6, not a muddy -18)."""
    import music21 as m21

    from vhuman.models.sing import backing as backing_mod
    from vhuman.models.sing import load_score
    from vhuman.stage.live.songs import load_backing

    rendered: list[bytes] = []
    monkeypatch.setattr(backing_mod, "render_midi",
                        lambda midi, sr, source="": rendered.append(midi) or np.zeros(10))
    score = load_score(_two_part_score(tmp_path))

    def pitches(midi: bytes) -> list[int]:
        mf = m21.midi.MidiFile()
        mf.readstr(midi)
        return sorted(e.pitch for t in mf.tracks for e in t.events if e.isNoteOn())

    load_backing(None, score, 22050)
    load_backing("score", score.transpose(-12), 22050)  # an octave: the backing stays
    load_backing("score", score.transpose(-18), 22050)
    assert pitches(rendered[0]) == pitches(rendered[1])
    assert pitches(rendered[2]) == [p - 6 for p in pitches(rendered[0])]
