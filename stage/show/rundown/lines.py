"""A line to speak, from text with inline ``[tags]`` or an object, and the clock's
estimate of how long lines take."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from vhuman.models.textproc.tags import TAG_PATTERN
from vhuman.models.types import Emotion, InputError

from .fields import Name, RundownModel

WORDS_PER_SECOND = 2.5  # planning estimate for the clock (150 words per minute)
_EMOTIONS = {e.value for e in Emotion}


class Line(RundownModel):
    """A line to speak: text (inline ``[tags]`` name its emotion and gestures) or an
    object with ``text``, ``emotion``, ``intensity``, ``gestures``, ``pause_after``."""

    text: str = Field(min_length=1, max_length=2000)
    emotion: Emotion | None = None
    intensity: float | None = Field(None, ge=0, le=1)
    gestures: tuple[Name, ...] = Field((), max_length=8)
    pause_after: float = Field(0.0, ge=0, le=60)

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        return {"text": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _tags(self) -> Line:
        """Inline tags that name an emotion set it (unless given); others are gestures."""
        gestures = list(self.gestures)
        emotion = self.emotion
        for match in TAG_PATTERN.finditer(self.text):
            tag = match.group("name")
            if tag.lower() in _EMOTIONS:
                emotion = emotion or Emotion.parse(tag)
            else:
                gestures.append(tag)
        text = re.sub(r"\s+", " ", TAG_PATTERN.sub(" ", self.text)).strip()
        if not text:
            raise PydanticCustomError("tags_only", "line has only tags, no words: {text}",
                                      {"text": repr(self.text)})
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "emotion", emotion)
        object.__setattr__(self, "gestures", tuple(gestures))
        return self

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        schema = handler(core_schema)
        return {"description": "a line to speak: text (inline [tags] allowed) or an object",
                "oneOf": [{"type": "string", "minLength": 1, "maxLength": 2000}, schema]}

    @property
    def words(self) -> int:
        return len(self.text.split())


Lines = Annotated[list[Line], Field(min_length=1, max_length=500)]


def parse_line(raw: str | dict[str, Any]) -> Line:
    """A rundown line from ``[happy] Hi there! [wave]`` or ``{text, emotion, gestures}``."""
    try:
        return Line.model_validate(raw)
    except ValidationError as exc:
        raise InputError("; ".join(e["msg"] for e in exc.errors())) from None


def speech_seconds(*lines: Line | None) -> float:
    spoken = [ln for ln in lines if ln is not None]
    return (sum(ln.words for ln in spoken) / WORDS_PER_SECOND
            + sum(ln.pause_after for ln in spoken))

