"""Singing: scores (MusicXML, MIDI, YAML) sung by the speaking voice, with re-timed phonemes."""

from vhuman.models.sing.formats import load_score
from vhuman.models.sing.melody import SingingStyle, melody_contour, style_for_emotion
from vhuman.models.sing.score import Phrase, Score, ScoreNote, Syllable, fit_to_range
from vhuman.models.sing.singer import Singer, SungSong, voice_range

__all__ = [
    "Phrase",
    "Score",
    "ScoreNote",
    "Singer",
    "SingingStyle",
    "SungSong",
    "Syllable",
    "fit_to_range",
    "load_score",
    "melody_contour",
    "style_for_emotion",
    "voice_range",
]
