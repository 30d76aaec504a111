"""Press questions in a show: grounded answers from the Q&A engine, spoken as lines."""

from __future__ import annotations

import asyncio
import inspect
import logging
from typing import Any

from vhuman.models.text.sentences import split_sentences
from vhuman.models.types import VhumanError

from ..chat.responder import ChatResponder
from .rundown import Line

log = logging.getLogger(__name__)


async def call_qa(qa: Any, question: str) -> Any:
    """``qa.answer(question)`` whether it is async or blocking (then off the loop)."""
    if inspect.iscoroutinefunction(qa.answer):
        return await qa.answer(question)
    return await asyncio.to_thread(qa.answer, question)


async def ask_question(question: str, qa: Any | None,
                       responder: ChatResponder | None) -> list[Line]:
    """The lines to speak in answer to ``question``.

    With a Q&A engine: its grounded answer, or an honest "I don't know" when it did not
    find one. Without one: the dialogue brain's reply. Neither: a :class:`VhumanError`.
    """
    if qa is not None:
        answer = await call_qa(qa, question)
        text = str(getattr(answer, "text", "") or "").strip()
        if not getattr(answer, "answered", bool(text)) or not text:
            text = "I don't have a reliable answer to that yet, so I won't guess."
        return [Line(text=s) for s in split_sentences(text)] or [Line(text=text)]
    if responder is not None:
        lines = []
        # The press is not a viewer: no viewer memory, no chatty "great question" opener.
        async for sentence in responder.brain.reply_stream(question, None, opener=False):
            text = str(getattr(sentence, "text", sentence)).strip()
            if text:
                lines.append(Line(text=text))
        return lines
    raise VhumanError("qa segment needs a Q&A engine or a dialogue brain")
