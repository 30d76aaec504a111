"""One reply in the making: the message, what kind it is, the languages, and what the
model and the guards did so far (each reply has its own, so replies never share state)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .reply import ReplyContext


@dataclass
class Turn:
    """``asked``: the message's language; ``language``: the language the reply is written
    in (``asked`` when the brain writes it, else English); ``kind``: the opener's message
    kind (:func:`~dialogue.opener.message_kind`); ``label``: the message kind of
    :func:`~dialogue.kinds.classify_kind`; ``moved``: the reply has a gesture already;
    ``refused``: what the guards refused in the last draw; ``llm_failed``: the model failed;
    ``late``: the model said nothing sayable within the first-sentence time."""

    text: str
    viewer: str | None
    asked: str
    language: str
    kind: str
    label: str
    context: ReplyContext | None = None
    moved: bool = False
    refused: list[tuple[str, str]] = field(default_factory=list)
    llm_failed: bool = False
    late: bool = False
