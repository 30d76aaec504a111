"""Score loading (YAML, MusicXML, MIDI), syllables, ranges and bad-input errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vhuman.models.sing import fit_to_range, load_score
from vhuman.models.sing.formats import parse_pitch, split_lyric
from vhuman.models.sing.lyrics import Phone, split_word
from vhuman.models.types import InputError


def _yaml(tmp_path: Path, notes: str, tempo: int = 120, name: str = "song.yaml") -> Path:
    path = tmp_path / name
    path.write_text(f"title: t\ntempo: {tempo}\ntime: 4/4\nnotes:\n{notes}", encoding="utf-8")
    return path


def test_yaml_notes_syllables_and_words(tmp_path: Path) -> None:
    path = _yaml(tmp_path, '  - [C4, 1, "twin-"]\n  - [C4, 1, "-kle"]\n  - [G4, 2, "star"]\n'
                           '  - [r, 1]\n  - [A4, 1, "hi"]\n')
    score = load_score(path)
    assert [n.midi for n in score.notes] == [60, 60, 67, None, 69]
    assert score.notes[2].start == pytest.approx(1.0) and score.notes[2].duration == pytest.approx(1.0)
    phrases = score.phrases()
    assert [p.text for p in phrases] == ["twinkle star", "hi"]  # the rest splits the breath
    assert [len(w) for w in phrases[0].words()] == [2, 1]
    assert np.allclose(np.diff(score.beats), 0.5) and score.beats_per_bar == 4


def test_tie_and_melisma_continue_the_syllable(tmp_path: Path) -> None:
    path = _yaml(tmp_path, '  - [C4, 1, "hold"]\n  - [C4, 1, "~"]\n  - [D4, 1, "_"]\n'
                           '  - [E4, 1]\n  - [F4, 1, "next"]\n')
    sylls = load_score(path).syllables()
    assert [s.text for s in sylls] == ["hold", "next"]
    assert len(sylls[0].notes) == 4 and sylls[0].end == pytest.approx(2.0)


def test_musicxml_tie_is_one_syllable_and_midi_keeps_lyrics(tmp_path: Path) -> None:
    import music21 as m21

    part = m21.stream.Part()
    part.append(m21.tempo.MetronomeMark(number=90))
    a = m21.note.Note("C4", quarterLength=2)
    a.lyric = "long"
    a.tie = m21.tie.Tie("start")
    b = m21.note.Note("C4", quarterLength=2)
    b.tie = m21.tie.Tie("stop")
    c = m21.note.Note("E4", quarterLength=1)
    c.lyric = "tone"
    for n in (a, b, c):
        part.append(n)
    score = m21.stream.Score([part])
    xml = tmp_path / "tie.musicxml"
    mid = tmp_path / "tie.mid"
    score.write("musicxml", fp=str(xml))
    score.write("midi", fp=str(mid))
    loaded = load_score(xml)
    sylls = loaded.syllables()
    assert [s.text for s in sylls] == ["long", "tone"]
    assert sylls[0].end - sylls[0].start == pytest.approx(4 * 60 / 90, rel=1e-3)
    from_midi = load_score(mid)
    assert [s.text for s in from_midi.syllables()] == ["long", "tone"]


def test_lyric_and_pitch_conventions() -> None:
    assert split_lyric("twin-") == ("twin", False)
    assert split_lyric("1. Ich") == ("Ich", True)  # a strophic song numbers its verses
    assert split_lyric("2. Was", "begin") == ("Was", False)
    assert split_lyric("1.") == ("1.", True)  # a number alone is sung
    assert split_lyric("-kle") == ("kle", True)
    assert split_lyric("won", "begin") == ("won", False)
    assert split_lyric("_") == (None, True)
    assert parse_pitch("C4", "x") == 60 and parse_pitch("Bb3", "x") == 58
    assert parse_pitch("F#2", "x") == 42 and parse_pitch("r", "x") is None


def test_split_word_around_vowel_nuclei() -> None:
    def phones(s: str) -> list[Phone]:
        return [Phone(p, 100 * i, 100 * i + 100) for i, p in enumerate(s.split())]

    twinkle = split_word(phones("t w ɪ ŋ k ə l"), 2)
    assert [p.phoneme for p in twinkle[0].onset] == ["t", "w"]
    assert [p.phoneme for p in twinkle[0].coda] == ["ŋ"]
    assert [p.phoneme for p in twinkle[1].onset] == ["k"]
    assert [p.phoneme for p in twinkle[1].nucleus] == ["ə"]
    # a diphthong is one nucleus; more syllables than vowels split the longest nucleus
    assert len(split_word(phones("h a ʊ"), 1)[0].nucleus) == 2
    three = split_word(phones("d a ɪ m ə n d"), 3)
    assert [len(s.nucleus) for s in three] == [1, 1, 1]
    assert split_word(phones("h m"), 1)[0].nucleus[0].phoneme == "m"  # hum: the sonorant


def test_range_transposes_by_octaves_or_refuses(tmp_path: Path) -> None:
    path = _yaml(tmp_path, '  - [C4, 1, "la"]\n  - [A4, 1, "la"]\n')
    score = load_score(path)
    low = fit_to_range(score, 40, 62, "auto")
    assert low.transposed == -12 and low.pitch_range() == (48, 57)
    with pytest.raises(InputError, match=r"song\.yaml: measure 1: note A4 is outside"):
        fit_to_range(score, 40, 62, "none")
    wide = load_score(_yaml(tmp_path, '  - [C2, 1, "la"]\n  - [C6, 1, "la"]\n', name="w.yaml"))
    with pytest.raises(InputError, match="outside the voice's range"):
        fit_to_range(wide, 40, 62, "auto")


def test_too_wide_a_melody_names_its_extremes_not_a_transpose_option(tmp_path: Path) -> None:
    path = _yaml(tmp_path, '  - [F4, 1, "la"]\n  - [r, 4]\n  - [F6, 1, "la"]\n', name="w.yaml")
    with pytest.raises(InputError) as err:
        fit_to_range(load_score(path), 40, 62, "auto")
    text = str(err.value)
    assert "F4 (measure 1) to F6 (measure 2), 24 semitones" in text
    assert "--transpose auto" not in text  # it was auto already


def test_bad_scores_name_the_file_and_measure(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="score file not found"):
        load_score(tmp_path / "missing.musicxml")
    bad = tmp_path / "broken.musicxml"
    bad.write_text("<score-partwise><part id='P1'><measure", encoding="utf-8")
    with pytest.raises(InputError, match="broken.musicxml: unreadable score"):
        load_score(bad)
    with pytest.raises(InputError, match="no lyrics"):
        load_score(_yaml(tmp_path, "  - [C4, 1]\n  - [D4, 1]\n", name="mute.yaml"))
    with pytest.raises(InputError, match=r"measure 2 \(note 5\): cannot read pitch 'H4'"):
        load_score(_yaml(tmp_path, '  - [C4, 1, "a"]\n' * 4 + '  - [H4, 1, "b"]\n', name="h.yaml"))
    with pytest.raises(InputError, match="unknown score format"):
        load_score(_yaml(tmp_path, "", name="song.txt"))
    import music21 as m21

    part = m21.stream.Part([m21.note.Note("C4"), m21.note.Note("D4")])
    m21.stream.Score([part]).write("musicxml", fp=str(tmp_path / "nolyrics.musicxml"))
    with pytest.raises(InputError, match="nolyrics.musicxml: no lyrics found"):
        load_score(tmp_path / "nolyrics.musicxml")


def test_key_is_read_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "k.yaml"
    path.write_text('key: e minor\nnotes:\n  - [E4, 1, "la"]\n', encoding="utf-8")
    assert load_score(path).key == "E minor"
    path.write_text('key: H dur\nnotes:\n  - [E4, 1, "la"]\n', encoding="utf-8")
    with pytest.raises(InputError, match="k.yaml: cannot read key 'H dur'"):
        load_score(path)
    root = Path(__file__).resolve().parents[2] / "examples" / "songs"
    assert load_score(root / "the_show_is_on.musicxml").key == "D major"


def _choir_score(tmp_path: Path, name: str, *, chord_symbols: bool = False,
                 with_bass: bool = True) -> Path:
    """A two-part choir score where the lower part has one lyric note more (a split word)."""
    import music21 as m21

    sop, bass = m21.stream.Part(), m21.stream.Part()
    sop.partName, bass.partName = "Soprano", "Bass"
    sop.append(m21.tempo.MetronomeMark(number=120))
    for pitch, text in (("E5", "high"), ("D5", "and"), ("C5", "clear")):
        n = m21.note.Note(pitch, quarterLength=1)
        n.lyric = text
        if chord_symbols:
            sop.append(m21.harmony.ChordSymbol("C"))
        sop.append(n)
    sop.append(m21.note.Rest(quarterLength=1))
    for pitch, text in (("C3", "low"), ("G2", "and"), ("C3", "dee-"), ("C3", "-ep")):
        n = m21.note.Note(pitch, quarterLength=1)
        n.lyric = text
        bass.append(n)
    path = tmp_path / name
    m21.stream.Score([sop, bass] if with_bass else [sop]).write("musicxml", fp=str(path))
    return path


def test_choir_sings_the_top_part_not_the_one_with_one_more_lyric(tmp_path: Path) -> None:
    score = load_score(_choir_score(tmp_path, "choir.musicxml"))
    assert [s.text for s in score.syllables()] == ["high", "and", "clear"]
    assert score.pitch_range() == (72.0, 76.0)
    assert score.other_parts_midi  # the bass is the backing


def test_lead_sheet_chord_symbols_are_not_sung(tmp_path: Path) -> None:
    score = load_score(_choir_score(tmp_path, "lead.musicxml", chord_symbols=True,
                                    with_bass=False))
    assert [s.text for s in score.syllables()] == ["high", "and", "clear"]
    assert all(n.duration > 0 for n in score.notes)
    assert [n.midi for n in score.notes] == [76.0, 74.0, 72.0, None]


def test_backing_key_shift_leaves_octaves_out() -> None:
    from vhuman.models.sing.backing import key_shift

    assert [key_shift(t) for t in (0, -12, -24, -13, -18, 6, 5, 11)] == [0, 0, 0, -1, -6, -6, 5, -1]


def test_repeats_are_sung_with_the_next_verse_and_the_right_ending(tmp_path: Path) -> None:
    """|: bar 1 (verse 1 "one", verse 2 "two") | 1st ending "more" :| 2nd ending "end" ."""
    import music21 as m21

    part = m21.stream.Part()
    bars = []
    for k in range(3):
        m = m21.stream.Measure(number=k + 1)
        if k == 0:
            m.insert(0, m21.meter.TimeSignature("2/4"))
            m.insert(0, m21.tempo.MetronomeMark(number=120))
        bars.append(m)
    first = m21.note.Note("C4", quarterLength=2)
    first.addLyric("one", lyricNumber=1)
    first.addLyric("two", lyricNumber=2)
    bars[0].append(first)
    more = m21.note.Note("D4", quarterLength=2)
    more.lyric = "more"
    bars[1].append(more)
    end = m21.note.Note("E4", quarterLength=2)
    end.lyric = "end"
    bars[2].append(end)
    bars[0].leftBarline = m21.bar.Repeat(direction="start")
    bars[1].rightBarline = m21.bar.Repeat(direction="end")
    for m in bars:
        part.append(m)
    part.insert(0, m21.spanner.RepeatBracket(bars[1], number=1))
    part.insert(0, m21.spanner.RepeatBracket(bars[2], number=2))
    path = tmp_path / "repeat.musicxml"
    m21.stream.Score([part]).write("musicxml", fp=str(path))
    score = load_score(path)
    assert [s.text for s in score.syllables()] == ["one", "more", "two", "end"]
    assert [n.measure for n in score.notes] == [1, 2, 1, 3]
    assert score.duration == pytest.approx(4 * 2 * 0.5)


def test_a_song_from_a_collection_is_named_by_its_movement(tmp_path: Path) -> None:
    import music21 as m21

    part = m21.stream.Part()
    n = m21.note.Note("C4", quarterLength=2)
    n.lyric = "Nacht"
    part.append(n)
    score = m21.stream.Score([part])
    score.insert(0, m21.metadata.Metadata(title="Liederkreis, Op.39", movementName="Mondnacht"))
    path = tmp_path / "lc123.musicxml"
    score.write("musicxml", fp=str(path))
    assert load_score(path).title == "Mondnacht"
    score.metadata.movementName = None
    score.write("musicxml", fp=str(path))
    assert load_score(path).title == "Liederkreis, Op.39"
    untitled = tmp_path / "untitled.mid"
    m21.stream.Score([part]).write("midi", fp=str(untitled))
    assert load_score(untitled).title == "untitled"


def _midi_file(path: Path, tracks: list[list[tuple[int, str, object]]], tpq: int = 480) -> Path:
    """A MIDI file from per-track events (tick, kind, value): kind "note" (pitch, length,
    channel), "text" (a text event), "lyric" (a lyric event)."""
    from music21.midi import (
        ChannelVoiceMessages,
        DeltaTime,
        MetaEvents,
        MidiEvent,
        MidiFile,
        MidiTrack,
    )

    mf = MidiFile()
    mf.ticksPerQuarterNote = tpq
    for k, spec in enumerate(tracks):
        tr = MidiTrack(k)
        timed = []
        for tick, kind, value in spec:
            if kind == "note":
                pitch, length, channel = value
                for t, vel in ((tick, 90), (tick + length, 0)):
                    ev = MidiEvent(tr, type=ChannelVoiceMessages.NOTE_ON, channel=channel)
                    ev.pitch, ev.velocity = pitch, vel
                    timed.append((t, ev))
            else:
                ev = MidiEvent(tr, type=MetaEvents.TEXT_EVENT if kind == "text" else MetaEvents.LYRIC)
                ev.data = str(value).encode("latin-1")
                timed.append((tick, ev))
        timed.sort(key=lambda te: te[0])
        last = 0
        for t, ev in timed + [(timed[-1][0] if timed else 0, MidiEvent(tr, type=MetaEvents.END_OF_TRACK))]:
            tr.events.append(DeltaTime(tr, time=t - last))
            if ev.type == MetaEvents.END_OF_TRACK:
                ev.data = b""
            tr.events.append(ev)
            last = t
        tr.updateEvents()
        mf.tracks.append(tr)
    path.write_bytes(mf.writestr())
    return path


def test_karaoke_file_words_join_the_melody_and_short_gaps_are_not_breaths(tmp_path: Path) -> None:
    """A .kar: the words as text events on a track of their own (@ headers, "\\" and "/"
    line marks, a leading space starting a word), a performed melody letting go of each
    note early, a drum on every beat: sung as words in two breaths, not 8 syllables apart."""
    q, held = 480, 420  # each note sounds 7/8 of its beat
    words = ["\\Twin", "kle", " lit", "tle", " star,", "/How", " I", " won", "der"]
    pitches = [60, 60, 67, 67, 69, 65, 65, 64, 64]
    onsets = [0, 1, 2, 3, 4, 7, 8, 9, 10]  # a breath (2 beats' rest) after "star,"
    header = [(0, "text", "@KMIDI KARAOKE FILE"), (0, "text", "@TTwinkle")]
    word_track = header + [(o * q, "text", w) for o, w in zip(onsets, words, strict=True)]
    melody = [(o * q, "note", (p, held, 1)) for o, p in zip(onsets, pitches, strict=True)]
    drums = [(b * q, "note", (36, 100, 10)) for b in range(12)]
    path = _midi_file(tmp_path / "twinkle.kar", [word_track, drums, melody])
    score = load_score(path)
    phrases = score.phrases()
    assert [p.text for p in phrases] == ["Twinkle little star,", "How I wonder"]
    assert score.pitch_range() == (60.0, 69.0)


def test_midi_lyric_syllables_are_joined_by_their_spaces(tmp_path: Path) -> None:
    q = 480
    lyrics = ["Lei", "se ", "fle", "hen ", "/mei", "ne ", "Lie", "der/", "Durch"]
    melody = [(k * q, "note", (60 + k, q - 40, 1)) for k in range(len(lyrics))]
    melody += [(k * q, "lyric", t) for k, t in enumerate(lyrics)]
    score = load_score(_midi_file(tmp_path / "song.mid", [melody]))
    assert [p.text for p in score.phrases()] == ["Leise flehen meine Lieder Durch"]


def test_solo_verse_before_the_choir_refrain_is_sung_too(tmp_path: Path) -> None:
    """Soprano (the melody part) rests through the verse a Solo part sings, a bar below;
    the Solo also sings under the soprano's short rest, which stays a breath."""
    import music21 as m21

    def part(name: str, items: list[tuple[str | None, float, str | None]]) -> m21.stream.Part:
        p = m21.stream.Part()
        p.partName = name
        p.append(m21.tempo.MetronomeMark(number=60))
        for pitch, ql, text in items:
            n = (m21.note.Rest(quarterLength=ql) if pitch is None
                 else m21.note.Note(pitch, quarterLength=ql))
            if text:
                n.lyric = text
            p.append(n)
        return p

    soprano = part("Soprano", [(None, 8, None), ("E5", 1, "a-"), ("D5", 1, "-lo-"),
                               ("C5", 1, "-ha"), (None, 1, None), ("C5", 2, "oe"), ("C5", 2, "oe")])
    solo = part("Solo", [("C4", 2, "proud-"), ("D4", 2, "-ly"), ("E4", 3, "swept"),
                         (None, 4, None), ("G4", 1, "hum"), (None, 4, None)])
    path = tmp_path / "aloha.musicxml"
    m21.stream.Score([soprano, solo]).write("musicxml", fp=str(path))
    score = load_score(path)
    assert [p.text for p in score.phrases()] == ["proudly swept", "aloha", "oe oe"]
    assert score.phrases()[0].start == 0.0
    assert score.pitch_range() == (72.0, 76.0)  # the solo moved up an octave to the melody


def test_latin1_midi_lyrics_are_not_lost(tmp_path: Path) -> None:
    q = 480
    lyrics = ["Aus ", "mei", "nen ", "Trä", "nen ", "sprie", "ßen "]
    melody = [(k * q, "note", (60 + k, q - 40, 1)) for k in range(len(lyrics))]
    melody += [(k * q, "lyric", t) for k, t in enumerate(lyrics)]  # written as Latin-1
    score = load_score(_midi_file(tmp_path / "lied.mid", [melody]))
    assert [p.text for p in score.phrases()] == ["Aus meinen Tränen sprießen"]


def test_one_odd_word_in_a_long_breath_keeps_the_other_clauses_connected() -> None:
    """The voice reads "ev'ry" as two words: only its clause is spoken word by word; the
    rest of the breath keeps one take per clause (it used to be word by word throughout)."""
    from vhuman.models.sing.lyrics import LyricSpeaker, split_clauses

    speaker = LyricSpeaker.__new__(LyricSpeaker)  # a stand-in voice, no Piper model
    speaker.sample_rate = 1000
    takes: list[str] = []

    def speak_text(text: str):
        takes.append(text)
        entries = []
        for word in text.rstrip(".").split():
            for part in (["e", "vry"] if word == "ev'ry" else [word]):
                entries += [(ch, 10) for ch in part] + [(" ", 0)]
        return np.zeros(sum(c for _, c in entries), np.float32), entries

    speaker.speak_text = speak_text
    words = [["Lift"], ["ev'", "ry"], ["voice"], ["and"], ["sing,"], ["till"], ["earth"],
             ["and"], ["hea", "ven"], ["ring,"], ["ring"], ["with"], ["the"], ["har", "mo", "nies"]]
    assert [len(c) for c in split_clauses(words)] == [5, 5, 4]
    phrase = speaker.speak(words)
    assert len(phrase.syllables) == sum(len(w) for w in words)
    assert len(phrase.audio) == 5 + 1 + 1  # "Lift ev'ry voice and sing" word by word
    assert takes[-2:] == ["till earth and heaven ring.", "ring with the harmonies."]
