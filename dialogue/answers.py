"""What the grounded Q&A engine hands back (:class:`Answer`) and the span candidates its
readers score (:class:`Candidate`): shared by the extractive engine (:mod:`.qa`) and the
server-model reader (:mod:`.llm_span_reader`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from .knowledge import Passage
from .neural_reading import READER_FEATURES
from .qa_verify import VERIFY_FEATURES
from .span_candidates import Span

NOT_FOUND = "I'm sorry, I don't have that information in my notes."


@dataclass
class Answer:
    """A grounded answer: ``answered`` is False when the KB does not hold the answer.

    ``text`` is the spoken reply, ``short`` the answer span ('' when refused), ``span`` its
    place in the document, ``sources`` the supporting sentences (the last one holds the span).
    """

    text: str
    sources: list[Passage]
    confidence: float
    answered: bool
    seconds: float = 0.0
    features: dict[str, float] = field(default_factory=dict)
    short: str = ""
    span: Passage | None = None
    method: str = "extractive"

    @property
    def reply(self) -> str:
        return self.text


class Answerer(Protocol):
    """What answers a reporter's question from the show's knowledge: the
    :class:`~dialogue.qa.QAEngine`, or a test fake."""

    async def answer_async(self, question: str) -> Answer:
        """The grounded answer (``answered`` False when the knowledge does not hold it)."""
        ...


@dataclass
class Candidate:
    """One answer span in one retrieved sentence, with the features the reader scores."""

    ref: int
    doc: str
    sentence: int
    span: Span
    sentence_features: list[float]
    score: float = 0.0
    sentence_text: str = ""
    reader_features: list[float] = field(default_factory=lambda: [0.0] * len(READER_FEATURES))
    verify_features: list[float] = field(default_factory=lambda: [0.0] * len(VERIFY_FEATURES))

    @property
    def features(self) -> list[float]:
        """Sentence, span and span-reader features, in :data:`dialogue.span_scoring.FEATURES` order."""
        return self.sentence_features + self.span.features + self.reader_features
