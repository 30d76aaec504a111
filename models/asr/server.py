"""A recogniser on a server: any OpenAI-compatible ``/v1/audio/transcriptions`` endpoint
(faster-whisper-server, whisper.cpp's server, vLLM, a hosted API), the configured
alternative to the embedded model. Each turn is posted as a 16 kHz WAV."""

from __future__ import annotations

import io
import logging
import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from vhuman.models.types import InputError

from .base import SAMPLE_RATE, Transcription

log = logging.getLogger(__name__)


def wav_bytes(audio: np.ndarray, sample_rate: int = SAMPLE_RATE) -> bytes:
    """``audio`` (float32 in [-1, 1]) as a 16-bit PCM WAV file in memory."""
    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, np.clip(audio, -1.0, 1.0), sample_rate, format="WAV", subtype="PCM_16")
    return buf.getvalue()


class ServerRecognizer:
    """Posts each turn to ``url`` (the API base, e.g. ``http://host:8000/v1``)."""

    sample_rate = SAMPLE_RATE

    def __init__(self, url: str, *, model: str = "whisper-1", api_key: str | None = None,
                 timeout: float = 20.0, languages: Sequence[str] | None = None,
                 transport: Any = None) -> None:
        import httpx

        if not url.startswith(("http://", "https://")):
            raise InputError(f"recognizer url must be http(s)://, got {url!r}")
        self.name = f"server:{model}"
        self.model = model
        self.languages = tuple(languages) if languages else ()
        key = api_key or os.environ.get("VHUMAN_ASR_API_KEY")
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._client = httpx.Client(base_url=url.rstrip("/"), headers=headers,
                                    timeout=timeout, transport=transport)

    def transcribe(self, audio: np.ndarray, *, language: str | None = None,
                   prompt: str | None = None) -> Transcription:
        import httpx

        seconds = len(audio) / SAMPLE_RATE
        data = {"model": self.model, "response_format": "verbose_json"}
        if language:
            data["language"] = language
        if prompt:
            data["prompt"] = prompt
        try:
            response = self._client.post(
                "/audio/transcriptions", data=data,
                files={"file": ("turn.wav", wav_bytes(audio), "audio/wav")})
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("recognizer server failed: %s", exc)
            return Transcription("", status="error", detail=f"recognizer server: {exc}",
                                 seconds=seconds)
        text = str(body.get("text", "")).strip()
        lang = _iso(str(body.get("language") or language or ""))
        if self.languages and lang and lang not in self.languages:
            return Transcription("", language=lang, status="unsupported_language",
                                 detail=f"heard {lang}; understood: {', '.join(self.languages)}",
                                 seconds=seconds)
        if not text:
            return Transcription("", language=lang, status="empty", seconds=seconds)
        segs = body.get("segments") or []
        logps = [float(s.get("avg_logprob", 0.0)) for s in segs if isinstance(s, dict)]
        confidence = math.exp(sum(logps) / len(logps)) if logps else 1.0
        return Transcription(text, language=lang, confidence=round(min(1.0, confidence), 4),
                             language_probability=1.0 if lang else 0.0, seconds=seconds,
                             words=tuple(text.split()))


_NAMES = {"english": "en", "chinese": "zh", "spanish": "es", "french": "fr", "german": "de",
          "portuguese": "pt", "italian": "it", "japanese": "ja", "korean": "ko",
          "russian": "ru", "dutch": "nl", "arabic": "ar", "hindi": "hi"}


def _iso(language: str) -> str:
    """Servers answer ``en`` or ``english``: both become the ISO 639-1 code."""
    language = language.strip().lower()
    return _NAMES.get(language, language)
