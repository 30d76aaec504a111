"""Request and response bodies (``ThingIn`` / ``ThingOut``)."""

from __future__ import annotations

import math
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from vhuman.models.types import Emotion

_SURROGATE = re.compile("[\ud800-\udfff]")
MAX_DEPTH = 32


def check_json_values(value: Any, depth: int = 0) -> None:
    """Refuse what JSON can parse but nothing downstream can keep or send back: lone
    surrogates (no UTF-8 for them), NaN/Infinity, absurd nesting. Raises ``ValueError``."""
    if depth > MAX_DEPTH:
        raise ValueError(f"nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, str):
        if _SURROGATE.search(value):
            raise ValueError("text contains an unpaired surrogate (not valid Unicode)")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("numbers must be finite")
    elif isinstance(value, dict):
        for key, item in value.items():
            check_json_values(key, depth + 1)
            check_json_values(item, depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            check_json_values(item, depth + 1)


class _Checked(BaseModel):
    """Every request body: valid Unicode and finite numbers all the way down."""

    @model_validator(mode="before")
    @classmethod
    def _valid_json_values(cls, data: Any) -> Any:
        check_json_values(data)
        return data


class _In(_Checked):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class ChatIn(_In):
    viewer: str = Field(min_length=1, max_length=32)
    text: str = Field(min_length=1, max_length=2000)
    gift: float = Field(0.0, ge=0, le=1_000_000, description="gift / super-chat value")
    ref: str | None = Field(None, max_length=64, description="client id echoed in replies")


class ChatOut(BaseModel):
    accepted: bool
    id: int | None = None
    reason: str = ""
    detail: str = ""
    priority: float | None = None


class QAIn(_In):
    question: str = Field(min_length=1, max_length=2000)
    speak: Literal["none", "live", "audio"] = Field(
        "none", description="live: the character says it on show_id; audio: a WAV comes back")
    show_id: str | None = None


class SourceOut(BaseModel):
    doc: str
    start: int
    end: int
    text: str
    score: float


class QAOut(BaseModel):
    answer: str
    answered: bool
    short_answer: str = ""  # the answer span itself ('' when refused); `answer` is the reply
    confidence: float
    sources: list[SourceOut]
    latency_ms: float
    spoken: bool = False
    audio_wav_base64: str | None = None


class ShowIn(_In):
    id: str | None = Field(None, pattern=r"^[A-Za-z0-9_\-]{1,64}$")
    rundown_yaml: str | None = Field(None, max_length=2_000_000)
    rundown_path: str | None = None
    start: bool = False


class SayIn(_In):
    text: str = Field(min_length=1, max_length=2000)
    emotion: Emotion | None = None
    priority: int | None = Field(None, ge=0, le=1000)


class InterruptIn(_In):
    reason: str = Field("host", max_length=200)


class EmotionIn(_In):
    emotion: Emotion
    intensity: float = Field(0.6, ge=0, le=1)


class GestureIn(_In):
    # a library gesture, or one of the avatar's own clips (``Armature|mixamo.com|Wave``)
    name: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_\-.| ]+$")


class DanceIn(_In):
    music: str | None = None
    duration: float | None = Field(None, gt=0, le=3600)
    style: str | None = Field(None, max_length=200)  # a style, idle, or clip:NAME


class SingIn(_In):
    score: str = Field(min_length=1, max_length=1024)
    backing: str | None = Field(None, max_length=1024,
                                description="audio file in the media root, 'score' or 'none'")
    backing_start: float = Field(0.0, ge=0, le=3600)
    style: Literal["sway", "dance", "still"] = "sway"
    emotion: str | None = Field(None, max_length=32)
    finale: bool = False

    @field_validator("emotion")
    @classmethod
    def _known_emotion(cls, value: str | None) -> str | None:
        if value is not None and value.strip().lower() not in {e.value for e in Emotion}:
            raise ValueError("unknown emotion; expected one of: "
                             + ", ".join(e.value for e in Emotion))
        return value


class OverlayIn(_In):
    card: dict[str, Any] | None = None


class OkOut(BaseModel):
    ok: bool = True
    detail: dict[str, Any] = Field(default_factory=dict)


class ChatCompletionMessage(BaseModel):
    model_config = ConfigDict(extra="allow", allow_inf_nan=False)
    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: str | list[dict[str, Any]] | None = None


class ChatCompletionIn(_Checked):
    # OpenAI clients send many optional fields
    model_config = ConfigDict(extra="allow", allow_inf_nan=False)
    model: str = "vhuman"
    messages: list[ChatCompletionMessage] = Field(min_length=1, max_length=200)
    stream: bool = False
    user: str | None = Field(None, max_length=64)
    max_tokens: int | None = Field(None, ge=1, le=4096)

