"""Request and response bodies (``ThingIn`` / ``ThingOut``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from models.types import Emotion


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


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
    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")


class DanceIn(_In):
    music: str | None = None
    duration: float | None = Field(None, gt=0, le=3600)
    style: str | None = Field(None, max_length=64)


class OverlayIn(_In):
    card: dict[str, Any] | None = None


class OkOut(BaseModel):
    ok: bool = True
    detail: dict[str, Any] = Field(default_factory=dict)


class ChatCompletionMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: str | list[dict[str, Any]] | None = None


class ChatCompletionIn(BaseModel):
    model_config = ConfigDict(extra="allow")  # OpenAI clients send many optional fields
    model: str = "vhuman"
    messages: list[ChatCompletionMessage] = Field(min_length=1, max_length=200)
    stream: bool = False
    user: str | None = Field(None, max_length=64)
    max_tokens: int | None = Field(None, ge=1, le=4096)
