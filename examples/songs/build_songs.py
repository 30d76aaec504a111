"""Writes the example songs' MusicXML and MIDI files from the specs below.

Run from the repository root: ``python examples/songs/build_songs.py``. Every song here is
public domain (melody and words) or written for this project:

- Twinkle, Twinkle, Little Star: French melody (1761), words by Jane Taylor (1806).
- Ode to Joy: Beethoven's melody (1824) with English words written for this project.
- The Show Is On: melody and words written for this project.

Each file has a voice part (with lyrics) and a piano part (block chords, two per bar)
that ``vhuman sing`` renders as the backing through FluidSynth.
"""

from __future__ import annotations

from pathlib import Path

import music21 as m21

HERE = Path(__file__).resolve().parent

CHORDS = {
    "C": ["C3", "E3", "G3"], "F": ["F2", "A2", "C3"], "G": ["G2", "B2", "D3"],
    "G7": ["G2", "B2", "F3"], "D": ["D3", "F#3", "A3"], "A": ["A2", "C#3", "E3"],
    "A7": ["A2", "C#3", "G3"], "Bm": ["B2", "D3", "F#3"], "Em": ["E3", "G3", "B3"],
    "Am": ["A2", "C3", "E3"],
}

TWINKLE = {
    "title": "Twinkle, Twinkle, Little Star", "tempo": 100, "file": "twinkle", "sharps": 0,
    "notes": [("C4", 1, "Twin-"), ("C4", 1, "-kle"), ("G4", 1, "twin-"), ("G4", 1, "-kle"),
              ("A4", 1, "lit-"), ("A4", 1, "-tle"), ("G4", 2, "star,"),
              ("F4", 1, "how"), ("F4", 1, "I"), ("E4", 1, "won-"), ("E4", 1, "-der"),
              ("D4", 1, "what"), ("D4", 1, "you"), ("C4", 1.5, "are."), ("r", 0.5, None),
              ("G4", 1, "Up"), ("G4", 1, "a-"), ("F4", 1, "-bove"), ("F4", 1, "the"),
              ("E4", 1, "world"), ("E4", 1, "so"), ("D4", 1.5, "high,"), ("r", 0.5, None),
              ("G4", 1, "like"), ("G4", 1, "a"), ("F4", 1, "dia-"), ("F4", 1, "-mond"),
              ("E4", 1, "in"), ("E4", 1, "the"), ("D4", 1.5, "sky."), ("r", 0.5, None),
              ("C4", 1, "Twin-"), ("C4", 1, "-kle"), ("G4", 1, "twin-"), ("G4", 1, "-kle"),
              ("A4", 1, "lit-"), ("A4", 1, "-tle"), ("G4", 2, "star,"),
              ("F4", 1, "how"), ("F4", 1, "I"), ("E4", 1, "won-"), ("E4", 1, "-der"),
              ("D4", 1, "what"), ("D4", 1, "you"), ("C4", 2, "are.")],
    "chords": "C C F C F C G C C F C G C F C G C C F C F C G C",
}

ODE = {
    "title": "Ode to Joy", "tempo": 112, "file": "ode_to_joy", "sharps": 0,
    "notes": [("E4", 1, "Sing"), ("E4", 1, "to-"), ("F4", 1, "-night"), ("G4", 1, "with"),
              ("G4", 1, "all"), ("F4", 1, "your"), ("E4", 1, "voic-"), ("D4", 1, "-es,"),
              ("C4", 1, "wake"), ("C4", 1, "the"), ("D4", 1, "town"), ("E4", 1, "and"),
              ("E4", 1.5, "light"), ("D4", 0.5, "the"), ("D4", 1.5, "sky;"), ("r", 0.5, None),
              ("E4", 1, "ev-"), ("E4", 1, "-ery"), ("F4", 1, "friend"), ("G4", 1, "who"),
              ("G4", 1, "came"), ("F4", 1, "to"), ("E4", 1, "join"), ("D4", 1, "us,"),
              ("C4", 1, "let"), ("C4", 1, "us"), ("D4", 1, "raise"), ("E4", 1, "our"),
              ("D4", 1.5, "song"), ("C4", 0.5, "on"), ("C4", 2, "high.")],
    "chords": "C C G C C C G G C C G C C C G C",
}

SHOW = {
    "title": "The Show Is On", "tempo": 112, "file": "the_show_is_on", "sharps": 2,
    "notes": [("D4", 1, "Lights"), ("E4", 1, "are"), ("F#4", 1, "on,"), ("A4", 1, "the"),
              ("G4", 1, "stage"), ("F#4", 1, "is"), ("E4", 1.5, "bright,"), ("r", 0.5, None),
              ("D4", 1, "wave"), ("E4", 0.5, "hel-"), ("F#4", 0.5, "-lo"), ("G4", 1, "to"),
              ("F#4", 0.5, "ev-"), ("E4", 0.5, "-ery-"), ("D4", 3, "-one"), ("r", 1, None),
              ("D4", 1, "sing"), ("E4", 1, "with"), ("F#4", 1, "me"), ("A4", 0.5, "a-"),
              ("A4", 0.5, "-cross"), ("B4", 1, "the"), ("A4", 1, "night,"), ("F#4", 1, None),
              ("r", 1, None),
              ("G4", 1, "now"), ("F#4", 1, "the"), ("E4", 1, "show"), ("F#4", 1, "has"),
              ("E4", 1, "just"), ("C#4", 1, "be-"), ("D4", 2, "-gun!")],
    "chords": "D D G A D G D D D D G A G A D D",
}


def _voice(spec: dict, midi: bool = False) -> m21.stream.Part:
    """The vocal line; for MIDI the hyphens stay in the lyric text (``"twin-"``), as
    karaoke files write them, since MIDI lyric events carry no syllable types."""
    part = m21.stream.Part()
    part.partName = "Voice"
    part.insert(0, m21.instrument.Vocalist())
    part.append(m21.tempo.MetronomeMark(number=spec["tempo"]))
    part.append(m21.key.KeySignature(spec["sharps"]))
    part.append(m21.meter.TimeSignature("4/4"))
    for pitch, beats, lyric in spec["notes"]:
        if pitch == "r":
            part.append(m21.note.Rest(quarterLength=beats))
            continue
        note = m21.note.Note(pitch, quarterLength=beats)
        if lyric and midi:
            note.lyrics.append(m21.note.Lyric(text=lyric, applyRaw=True))
        elif lyric:
            text = lyric.strip("-")
            syllabic = ("middle" if lyric.startswith("-") and lyric.endswith("-") else
                        "end" if lyric.startswith("-") else
                        "begin" if lyric.endswith("-") else "single")
            note.lyrics.append(m21.note.Lyric(text=text, syllabic=syllabic))
        part.append(note)
    return part


def _piano(spec: dict) -> m21.stream.Part:
    part = m21.stream.Part()
    part.partName = "Piano"
    part.insert(0, m21.instrument.Piano())
    part.append(m21.key.KeySignature(spec["sharps"]))
    part.append(m21.meter.TimeSignature("4/4"))
    for name in spec["chords"].split():
        part.append(m21.chord.Chord(CHORDS[name], quarterLength=2))
    return part


def build(spec: dict) -> list[Path]:
    score = m21.stream.Score([_voice(spec), _piano(spec)])
    score.metadata = m21.metadata.Metadata(title=spec["title"])
    xml = HERE / f"{spec['file']}.musicxml"
    score.write("musicxml", fp=str(xml))
    mid = HERE / f"{spec['file']}.mid"
    m21.stream.Score([_voice(spec, midi=True), _piano(spec)]).write("midi", fp=str(mid))
    return [xml, mid]


if __name__ == "__main__":
    for song in (TWINKLE, ODE, SHOW):
        for path in build(song):
            print(f"wrote {path.relative_to(HERE.parent.parent)}")
