"""Registry of TTS backends by name, filled from lazy import strings.

``get_tts("piper", voice="joe")`` returns a ready backend; instances are cached per
(name, options) so a voice loads once per process. Optional backends that are missing
raise :class:`VhumanError` with the install hint only when asked for.
"""

from __future__ import annotations

import importlib
import logging
import threading
from typing import Any

from vhuman.models.tts.base import TTSBackend
from vhuman.models.types import InputError

logger = logging.getLogger(__name__)

BACKENDS: dict[str, str] = {
    "piper": "vhuman.models.tts.piper_tts:PiperTTS",
    "espeak": "vhuman.models.tts.espeak_tts:EspeakTTS",
    "coqui": "vhuman.models.tts.coqui_tts:CoquiTTS",
}
_cache: dict[tuple[str, tuple[tuple[str, str], ...]], TTSBackend] = {}
_lock = threading.Lock()


def available_tts() -> list[str]:
    """Names accepted by :func:`get_tts` (optional ones may still need their extra)."""
    return sorted(BACKENDS)


def register_tts(name: str, target: str) -> None:
    """Add a backend as ``"package.module:Class"`` (a plugin, or a fake in tests)."""
    BACKENDS[name] = target


def get_tts(name: str = "piper", **options: Any) -> TTSBackend:
    """The backend ``name`` built with ``options`` (cached); InputError lists valid names."""
    key_name = str(name).strip().lower()
    if key_name not in BACKENDS:
        raise InputError(f"unknown tts backend {name!r}; available: {', '.join(available_tts())}")
    key = (key_name, tuple(sorted((k, repr(v)) for k, v in options.items())))
    with _lock:
        if key in _cache:
            return _cache[key]
        module_name, _, class_name = BACKENDS[key_name].partition(":")
        cls = getattr(importlib.import_module(module_name), class_name)
        backend: TTSBackend = cls(**options)
        _cache[key] = backend
        logger.info("tts backend %s ready (%d Hz)", key_name, backend.sample_rate)
        return backend
