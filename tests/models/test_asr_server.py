"""The recogniser-server alternative: an OpenAI-compatible transcription endpoint."""

from __future__ import annotations

import httpx
import numpy as np
import pytest

from vhuman.models.asr.server import ServerRecognizer
from vhuman.models.types import InputError


def test_posts_a_wav_and_reads_text_language_and_confidence():
    seen = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen["path"] = request.url.path
        seen["auth"] = request.headers.get("authorization")
        body = request.read()
        seen["wav"] = b"RIFF" in body and b"WAVE" in body
        seen["language"] = b'name="language"' in body
        return httpx.Response(200, json={"text": " Hola, ¿qué tal? ", "language": "spanish",
                                         "segments": [{"avg_logprob": -0.1}]})

    asr = ServerRecognizer("http://asr.test/v1", api_key="k", languages=("en", "es"),
                           transport=httpx.MockTransport(handler))
    result = asr.transcribe(np.zeros(16000, np.float32) + 0.01)
    assert seen == {"path": "/v1/audio/transcriptions", "auth": "Bearer k", "wav": True,
                    "language": False}
    assert result.ok and result.text == "Hola, ¿qué tal?" and result.language == "es"
    assert result.confidence == pytest.approx(np.exp(-0.1), abs=1e-3)


def test_server_errors_and_other_languages_become_statuses():
    def down(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, json={"error": "busy"})

    asr = ServerRecognizer("http://asr.test/v1", transport=httpx.MockTransport(down))
    failed = asr.transcribe(np.zeros(8000, np.float32))
    assert failed.status == "error" and "503" in failed.detail

    def german(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"text": "Guten Tag", "language": "de"})

    only_en = ServerRecognizer("http://asr.test/v1", languages=("en",),
                               transport=httpx.MockTransport(german))
    assert only_en.transcribe(np.zeros(8000, np.float32)).status == "unsupported_language"
    with pytest.raises(InputError):
        ServerRecognizer("ftp://nope")
