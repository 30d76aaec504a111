"""Whisper (faster-whisper / CTranslate2) as an embedded, offline recogniser.

The model comes from PyPI packages (:func:`models.asr.packaged.whisper_dir`) or a local
faster-whisper folder. Decoding is greedy at temperature 0 with no timestamps (the
fastest setting that still recognises the reference recordings well; ``bench listen``
measures it). The language is detected per call and held to ``languages``: a turn whose
most likely language is outside that list with high probability is reported as
``unsupported_language`` rather than transcribed into nonsense. Mandarin comes out of
Whisper mostly in traditional characters; it is converted to simplified (OpenCC ``tw2s``).
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from vhuman.models.text.language import LANGUAGE_NAMES
from vhuman.models.types import VhumanError

from .base import SAMPLE_RATE, Transcription
from .packaged import whisper_dir

log = logging.getLogger(__name__)

UNSUPPORTED_PROBABILITY = 0.6
"""A detected language outside ``languages`` at or above this probability is refused."""


def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese (OpenCC's Taiwan phrases config)."""
    return _converter().convert(text)


_opencc: Any = None
_opencc_lock = threading.Lock()


def _converter() -> Any:
    global _opencc
    with _opencc_lock:
        if _opencc is None:
            try:
                import opencc
            except ImportError as exc:
                raise VhumanError("simplified Chinese output needs opencc: pip install opencc-py") from exc
            _opencc = opencc.OpenCC("tw2s")
        return _opencc


class WhisperRecognizer:
    """faster-whisper on CPU (int8) or GPU (float16) with the packaged Whisper model."""

    sample_rate = SAMPLE_RATE

    def __init__(self, model: str = "base", *, model_dir: str | Path | None = None,
                 device: str = "auto", compute_type: str | None = None, threads: int = 2,
                 beam_size: int = 1, languages: Sequence[str] | None = None,
                 simplified_chinese: bool = True) -> None:
        try:
            from faster_whisper import WhisperModel
        except ImportError as exc:
            raise VhumanError("speech recognition needs faster-whisper: "
                              "pip install faster-whisper") from exc
        if device == "auto":
            device = _cuda_device()
        path = Path(model_dir) if model_dir is not None else whisper_dir(model)
        self.name = f"whisper-{model if model_dir is None else Path(model_dir).name}"
        self.device = device
        self.compute_type = compute_type or ("float16" if device == "cuda" else "int8")
        self.beam_size = beam_size
        self.languages = tuple(languages) if languages else tuple(LANGUAGE_NAMES)
        self.simplified_chinese = simplified_chinese
        self._model = WhisperModel(str(path), device=device, compute_type=self.compute_type,
                                   cpu_threads=threads, num_workers=1)
        self._lock = threading.Lock()  # one decode at a time per model
        log.info("whisper %s loaded on %s (%s)", path, device, self.compute_type)

    def transcribe(self, audio: np.ndarray, *, language: str | None = None,
                   prompt: str | None = None) -> Transcription:
        audio = np.ascontiguousarray(audio, dtype=np.float32).reshape(-1)
        seconds = audio.shape[0] / SAMPLE_RATE
        if seconds < 0.1 or not np.any(audio):
            return Transcription("", status="empty", detail="no audio", seconds=seconds)
        with self._lock:
            segments, info = self._run(audio, language, prompt)
            lang, lang_p = info.language, float(info.language_probability)
            if language is None and lang not in self.languages:
                probs = dict(info.all_language_probs or ())
                allowed = max(self.languages, key=lambda c: probs.get(c, 0.0))
                if lang_p >= UNSUPPORTED_PROBABILITY or probs.get(allowed, 0.0) < 0.05:
                    return Transcription("", language=lang, language_probability=lang_p,
                                         status="unsupported_language",
                                         detail=f"heard {LANGUAGE_NAMES.get(lang, lang)}; "
                                                f"understood: {', '.join(self.languages)}",
                                         seconds=seconds)
                segments, info = self._run(audio, allowed, prompt)
                lang, lang_p = allowed, probs.get(allowed, 0.0)
            segs = list(segments)
        text = "".join(s.text for s in segs).strip()
        if lang == "zh" and self.simplified_chinese:
            text = to_simplified(text)
        if not text:
            return Transcription("", language=lang, language_probability=lang_p,
                                 status="empty", detail="no words recognised", seconds=seconds)
        return Transcription(text, language=lang, confidence=_confidence(segs),
                             language_probability=lang_p, seconds=seconds,
                             words=tuple(text.split()))

    def _run(self, audio: np.ndarray, language: str | None, prompt: str | None) -> Any:
        return self._model.transcribe(
            audio, language=language, task="transcribe", beam_size=self.beam_size,
            temperature=0.0, condition_on_previous_text=False, initial_prompt=prompt or None,
            without_timestamps=True, vad_filter=False, word_timestamps=False)


def _confidence(segments: list[Any]) -> float:
    """Mean token probability over the segments (weighted by length), times the chance
    that there was speech at all."""
    if not segments:
        return 0.0
    weights = [max(1, len(s.text)) for s in segments]
    logp = sum(w * s.avg_logprob for w, s in zip(weights, segments, strict=True)) / sum(weights)
    speech = 1.0 - max(s.no_speech_prob for s in segments)
    return round(max(0.0, min(1.0, math.exp(logp) * (0.5 + 0.5 * speech))), 4)


def _cuda_device() -> str:
    try:
        import ctranslate2

        return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    except Exception:  # noqa: BLE001 - no CUDA runtime: CPU
        return "cpu"
