"""eSpeak NG through its C API (ctypes on ``espeakng-loader``'s library and data).

Fast, robotic, many languages (``voice="cmn"`` for Mandarin, ``"de"``, ``"fr"``...).
Phoneme events (IPA) carry their audio position, which gives exact phoneme timings in
samples. Emotion is native for rate, pitch, pitch range and volume; brightness comes from
the signal stage. eSpeak keeps one voice in process-wide globals, so every synthesis runs
under one module lock and sets its voice and parameters first.
"""

from __future__ import annotations

import ctypes
import logging
import threading
from pathlib import Path

import numpy as np

from vhuman.models.audio import db_to_gain
from vhuman.models.tts.base import BaseTTS, RawSpeech
from vhuman.models.tts.phonemes import SILENCE
from vhuman.models.tts.prosody import Prosody
from vhuman.models.types import InputError, SpeakingStyle, VhumanError

logger = logging.getLogger(__name__)

_SYNCHRONOUS = 2
_PHONEME_EVENTS, _PHONEME_IPA = 0x1, 0x2
_CHARS_UTF8 = 1
_POS_CHARACTER = 1
_EVENT_PHONEME, _EVENT_LIST_TERMINATED = 7, 0
_RATE, _VOLUME, _PITCH, _RANGE = 1, 2, 3, 4
_DEFAULT_WPM = 175
_LOCK = threading.Lock()  # eSpeak state is global to the process


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", ctypes.c_char * 8),  # union: phoneme name, may lack a terminating NUL
    ]


class _Voice(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_char_p),  # priority byte + language, first entry only
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int,
                             ctypes.POINTER(_Event))


class _Engine:
    """The process-wide eSpeak library: loaded and initialised once."""

    def __init__(self) -> None:
        try:
            import espeakng_loader
        except ImportError as exc:
            raise VhumanError("eSpeak NG is not installed: pip install espeakng-loader") from exc
        self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        data = str(Path(espeakng_loader.get_data_path()))
        self.lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p,
                                               ctypes.c_int]
        self.sample_rate = int(self.lib.espeak_Initialize(
            _SYNCHRONOUS, 0, data.encode(), _PHONEME_EVENTS | _PHONEME_IPA))
        if self.sample_rate <= 0:
            raise VhumanError(f"eSpeak NG failed to initialise with data at {data}")
        self.voices_dir = Path(data) / "voices"
        self.lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self.lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        self.lib.espeak_Synth.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint,
                                          ctypes.c_int, ctypes.c_uint, ctypes.c_uint,
                                          ctypes.c_void_p, ctypes.c_void_p]
        self.lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_Voice))
        self.lib.espeak_ListVoices.argtypes = [ctypes.c_void_p]
        self.voices = self._list_voices()
        self._samples: list[np.ndarray] = []
        self._events: list[tuple[str, int]] = []
        self._callback = _CALLBACK(self._on_audio)  # keep a reference: C holds the pointer
        self.lib.espeak_SetSynthCallback(self._callback)

    def _list_voices(self) -> dict[str, str]:
        """Accepted voice names (language codes and identifiers, lower case) → language."""
        voices: dict[str, str] = {}
        table = self.lib.espeak_ListVoices(None)
        i = 0
        while table[i]:
            voice = table[i].contents
            language = (voice.languages or b"  ")[1:].decode("utf-8", "replace").lower()
            identifier = (voice.identifier or b"").decode("utf-8", "replace").lower()
            for key in (language, identifier, identifier.rsplit("/", 1)[-1]):
                if key:
                    voices[key] = language
            i += 1
        return voices

    def _on_audio(self, wav: ctypes.Array, count: int, events: ctypes.Array) -> int:
        if count > 0 and wav:
            self._samples.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        i = 0
        while events[i].type != _EVENT_LIST_TERMINATED:
            event = events[i]
            if event.type == _EVENT_PHONEME:
                name = bytes(event.id).split(b"\0", 1)[0].decode("utf-8", "replace")
                self._events.append((name, int(event.audio_position)))
            i += 1
        return 0

    def speak(self, text: str, voice: str, wpm: int, pitch: int, prange: int, volume: int
              ) -> tuple[np.ndarray, list[tuple[str, int]]]:
        """Synthesize ``text``; returns int16 samples and (phoneme, position ms) events."""
        if voice.lower() not in self.voices:
            languages = ", ".join(sorted(set(self.voices.values())))
            raise InputError(f"unknown espeak voice {voice!r}; available: {languages}")
        if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise VhumanError(f"espeak could not select voice {voice!r}")
        for param, value in ((_RATE, wpm), (_PITCH, pitch), (_RANGE, prange), (_VOLUME, volume)):
            self.lib.espeak_SetParameter(param, int(value), 0)
        self._samples, self._events = [], []
        data = text.encode("utf-8") + b"\0"
        status = self.lib.espeak_Synth(data, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8,
                                       None, None)
        if status != 0:
            raise VhumanError(f"espeak_Synth failed with status {status}")
        self.lib.espeak_Synchronize()
        audio = np.concatenate(self._samples) if self._samples else np.zeros(0, np.int16)
        return audio, self._events


_engine: _Engine | None = None


def _get_engine() -> _Engine:
    global _engine
    if _engine is None:
        _engine = _Engine()
    return _engine


def events_to_timings(events: list[tuple[str, int]], total: int, sample_rate: int
                      ) -> tuple[list[str], list[int]]:
    """Phoneme events (name, ms) → names and durations summing exactly to ``total``."""
    names: list[str] = []
    starts: list[int] = []
    for name, ms in events:
        pos = min(total, max(0, int(round(ms * sample_rate / 1000.0))))
        clean = name.replace("ˈ", "").replace("ˌ", "").strip()
        if not clean or clean.startswith("_"):
            clean = SILENCE
        if starts and pos <= starts[-1]:
            names[-1] = clean if names[-1] == SILENCE else names[-1]  # same instant: keep one
            continue
        if names and clean == SILENCE and names[-1] == SILENCE:
            continue  # one silence, however many pause events
        names.append(clean)
        starts.append(pos)
    if not starts or starts[0] > 0:
        names.insert(0, SILENCE)
        starts.insert(0, 0)
    bounds = [*starts, total]
    return names, [b - a for a, b in zip(bounds, bounds[1:], strict=False)]


class EspeakTTS(BaseTTS):
    """eSpeak NG voice by name (``"en-us"`` default; ``"cmn"`` Mandarin, ``"de"``...)."""

    name = "espeak"
    native_prosody = frozenset({"tempo", "pitch_semitones", "pitch_range", "energy_db"})
    normalize_level = False

    def __init__(self, voice: str = "en-us") -> None:
        if not isinstance(voice, str) or not voice.strip():
            raise InputError("espeak voice must be a non-empty name such as 'en-us'")
        self.voice = voice.strip()
        with _LOCK:
            engine = _get_engine()
            engine.speak("", self.voice, _DEFAULT_WPM, 50, 50, 100)  # validate the name now
        self.sample_rate = engine.sample_rate
        self.language = "zh" if self.voice in {"cmn", "yue", "zh"} else self.voice.split("-")[0]

    def _speak(self, text: str, style: SpeakingStyle, prosody: Prosody) -> RawSpeech:
        wpm = int(np.clip(_DEFAULT_WPM * prosody.tempo, 80, 450))
        pitch = int(np.clip(50 + 4.0 * prosody.pitch_semitones, 0, 100))
        prange = int(np.clip(50 * prosody.pitch_range, 0, 100))
        volume = int(np.clip(100 * db_to_gain(prosody.energy_db), 10, 200))
        with _LOCK:
            audio, events = _get_engine().speak(text, self.voice, wpm, pitch, prange, volume)
        samples = (audio.astype(np.float32) / 32768.0).astype(np.float32)
        names, durations = events_to_timings(events, samples.size, self.sample_rate)
        return RawSpeech(samples, names, durations)
