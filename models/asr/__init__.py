"""Speech in: voice activity detection and speech recognition, embedded and offline."""

from .base import Recognizer, Transcription, VoiceActivityDetector
from .registry import available_recognizers, get_recognizer, get_vad, register_recognizer

__all__ = ["Recognizer", "Transcription", "VoiceActivityDetector", "available_recognizers",
           "get_recognizer", "get_vad", "register_recognizer"]
