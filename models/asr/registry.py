"""Registry of recognisers and voice activity detectors by name (lazy import strings).

``get_recognizer("whisper", model="base")`` loads once per (name, options) and is shared;
``get_vad()`` returns a *new* detector each call, since a VAD keeps per-stream state.
"""

from __future__ import annotations

import importlib
import logging
import threading
from typing import Any

from vhuman.models.types import InputError

from .base import Recognizer, VoiceActivityDetector

log = logging.getLogger(__name__)

RECOGNIZERS: dict[str, str] = {
    "whisper": "vhuman.models.asr.whisper:WhisperRecognizer",
    "server": "vhuman.models.asr.server:ServerRecognizer",
}
VADS: dict[str, str] = {
    "silero": "vhuman.models.asr.vad:SileroVAD",
}
_cache: dict[tuple[str, tuple[tuple[str, str], ...]], Recognizer] = {}
_lock = threading.Lock()


def available_recognizers() -> list[str]:
    """Names accepted by :func:`get_recognizer`."""
    return sorted(RECOGNIZERS)


def register_recognizer(name: str, target: str) -> None:
    """Add a recogniser as ``"package.module:Class"`` (a plugin, or a fake in tests)."""
    RECOGNIZERS[name] = target


def _load(target: str) -> Any:
    module_name, _, class_name = target.partition(":")
    return getattr(importlib.import_module(module_name), class_name)


def get_recognizer(name: str = "whisper", **options: Any) -> Recognizer:
    """The recogniser ``name`` built with ``options`` (cached); InputError lists names."""
    key_name = str(name).strip().lower()
    if key_name not in RECOGNIZERS:
        raise InputError(f"unknown recognizer {name!r}; available: {', '.join(available_recognizers())}")
    key = (key_name, tuple(sorted((k, repr(v)) for k, v in options.items())))
    with _lock:
        if key not in _cache:
            _cache[key] = _load(RECOGNIZERS[key_name])(**options)
            log.info("recognizer %s ready", key_name)
        return _cache[key]


def get_vad(name: str = "silero", **options: Any) -> VoiceActivityDetector:
    """A fresh voice activity detector ``name`` (its model session is shared)."""
    key_name = str(name).strip().lower()
    if key_name not in VADS:
        raise InputError(f"unknown vad {name!r}; available: {', '.join(sorted(VADS))}")
    vad: VoiceActivityDetector = _load(VADS[key_name])(**options)
    return vad
