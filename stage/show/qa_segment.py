"""Press questions in a show: grounded answers from the Q&A engine, spoken as lines."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from vhuman.models.text.sentences import split_sentences
from vhuman.models.types import VhumanError

from ..chat.responder import ChatResponder
from .rundown import Line

if TYPE_CHECKING:
    from vhuman.dialogue.answers import Answer, Answerer

log = logging.getLogger(__name__)


async def call_qa(qa: Answerer, question: str) -> Answer:
    """The Q&A engine's grounded answer to ``question`` (its blocking work off the loop)."""
    return await qa.answer_async(question)


async def ask_question(question: str, qa: Answerer | None,
                       responder: ChatResponder | None) -> list[Line]:
    """The lines to speak in answer to ``question``.

    With a Q&A engine: its grounded answer, or an honest "I don't know" when it did not
    find one. Without one: the dialogue brain's reply. Neither: a :class:`VhumanError`.
    """
    if qa is not None:
        answer = await call_qa(qa, question)
        text = answer.text.strip()
        if not answer.answered or not text:
            text = "I don't have a reliable answer to that yet, so I won't guess."
        return [Line(text=s) for s in split_sentences(text)] or [Line(text=text)]
    if responder is not None:
        lines = []
        # The press is not a viewer: no viewer memory, no chatty "great question" opener.
        async for sentence in responder.brain.reply_stream(question, None, opener=False):
            text = sentence.text.strip()
            if text:
                lines.append(Line(text=text))
        return lines
    raise VhumanError("qa segment needs a Q&A engine or a dialogue brain")
