"""Singing: scores (MusicXML, MIDI, YAML) sung by the speaking voice, with re-timed phonemes."""

from models.sing.formats import load_score
from models.sing.melody import SingingStyle, melody_contour, style_for_emotion
from models.sing.score import Phrase, Score, ScoreNote, Syllable, fit_to_range
from models.sing.singer import Singer, SungSong, voice_range

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
