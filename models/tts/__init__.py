"""The voice: streamed emotional speech with phoneme timings, backends chosen by name."""

from .base import BaseTTS, RawSpeech, TTSBackend
from .prosody import EMOTION_PROSODY, Prosody, prosody_for
from .registry import available_tts, get_tts, register_tts

__all__ = [
    "EMOTION_PROSODY",
    "BaseTTS",
    "Prosody",
    "RawSpeech",
    "TTSBackend",
    "available_tts",
    "get_tts",
    "prosody_for",
    "register_tts",
]
