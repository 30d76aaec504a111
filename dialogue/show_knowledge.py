"""What the show knows, as the brain asks it: grounded answers from the knowledge base,
the schedule in it, and the facts the character may state (the fact guard's list)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from .guard import FactGuard
from .persona import Persona
from .questions import asks_if_needed, core_question, follow_up_from, words_missing
from .rows import say_row
from .schedule import Event, answer_schedule, events_from

if TYPE_CHECKING:
    from .qa import QAEngine

log = logging.getLogger(__name__)


class ShowKnowledge:
    """The persona and the knowledge base (``qa``; None: the persona alone). The schedule
    and the fact list are read once, on first use."""

    def __init__(self, persona: Persona, qa: QAEngine | None) -> None:
        self.persona = persona
        self.qa = qa
        self._facts: FactGuard | None = None
        self._schedule: list[Event] | None = None

    async def answer(self, question: str) -> str | None:
        """The grounded answer's text, or None (not in the knowledge, or the lookup failed)."""
        if self.qa is None:
            return None
        question = core_question(question)
        try:
            answer = await self.qa.answer_async(question)
        except Exception as exc:
            log.warning("knowledge base lookup failed: %s", exc)
            return None
        if asks_if_needed(question):  # "do I need to book parking?": yes, from the sentence that says so
            said = next((s for s in (follow_up_from(question, p.text) for p in answer.sources) if s), None)
            if said is not None:
                return said
            if answer.answered and words_missing(question, answer.text):
                return None  # "do I need a ticket...?" met with a sentence about no ticket
        if not answer.answered:
            return None
        return say_row(answer.text) or answer.text  # a table row said as a sentence

    def schedule(self, question: str, language: str) -> str | None:
        """"What's on tonight?" from the dated events in the knowledge base, or None."""
        if self.qa is None:
            return None
        return answer_schedule(question, language, self.events())

    def events(self) -> list[Event]:
        """The dated events in the knowledge base (read once; none without one)."""
        if self._schedule is None:
            self._schedule = events_from(self._texts())
        return self._schedule

    def facts(self) -> FactGuard:
        """Facts the character may state: the persona and the knowledge base."""
        if self._facts is None:
            p = self.persona
            self._facts = FactGuard([p.description, p.style, *p.topics, *p.catchphrases, p.name,
                                     *self._texts()])
        return self._facts

    def _texts(self) -> list[str]:
        if self.qa is None:
            return []
        return [str(d.get("text", "")) for d in self.qa.kb.docs.values()]
