"""Interview segments: ask, listen, follow up, wrap up on time.

:class:`Interview` plays one :class:`~.rundown.InterviewSegment` through the runner's
building blocks (``speak``, the show clock, the queue of heard turns). The plan keeps
the time limit: before each question it checks that the question, an answer and the
wrap-up still fit; each answer is waited for at most ``answer_s`` and never past the
moment the wrap-up must start; a follow-up is asked only when its answer also fits.
The host always closes with the outro (or a thank-you naming the guest) before the limit.

What the guest says arrives as :class:`~stage.captions.track.Turn` s (recognised
speech, ended by turn-taking) on the runner's ``heard`` queue. A turn counts as the
guest's when its speaker is the guest's name or its role is guest/reporter.

A follow-up comes from the answer itself: a short answer is asked to say more; a longer
one is asked about its most specific word that the question did not already use.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from vhuman.stage.captions.track import Turn

from .clock import ShowClock
from .rundown import InterviewSegment, Line

log = logging.getLogger(__name__)

WORDS_PER_SECOND = 2.5
MIN_ANSWER_S = 8.0
"""A question is asked only when at least this long is left for its answer."""
_WORD = re.compile(r"[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ'\-]+")
_COMMON = set("""a about above after again against all also am an and any are as at be because
been before being below between both but by can could did do does doing down during each
few for from further had has have having he her here hers herself him himself his how i if
in into is it its itself just know let like me more most my myself no nor not now of off
on once only or other our ours out over own really same she should so some such than
that the their theirs them then there these they thing things think this those through
to too under until up very was we well were what when where which while who whom why
will with would yes you your yours yourself actually lot lots much many maybe people
pretty quite right said say says something sure time way yeah going get got""".split())


def seconds_to_say(text: str) -> float:
    return len(text.split()) / WORDS_PER_SECOND + 0.5


def follow_up(question: str, answer: str, topic: str) -> str:
    """A follow-up question drawn from ``answer``."""
    words = _WORD.findall(answer)
    if len(words) < 8:
        return "Could you tell us a little more about that?"
    asked = {w.lower() for w in _WORD.findall(question)} | {w.lower() for w in _WORD.findall(topic)}
    candidates = [w for w in words if w.lower() not in _COMMON and w.lower() not in asked]
    if not candidates:
        return f"What does that mean for {topic}?"
    key = max(candidates, key=lambda w: (len(w), -words.index(w)))
    return f"You mentioned {key}. Why does that matter for {topic}?"


@dataclass
class InterviewLog:
    """What happened, for the show log and tests."""

    asked: list[str] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    follow_ups: list[str] = field(default_factory=list)
    unanswered: int = 0
    skipped: int = 0
    ended_at: float = 0.0


class Interview:
    """Runs one interview segment (see the module notes)."""

    def __init__(self, seg: InterviewSegment, clock: ShowClock, heard: asyncio.Queue[Turn],
                 speak: Callable[[Line], Awaitable[None]],
                 log_event: Callable[..., Awaitable[None]]) -> None:
        self.seg, self.clock, self.heard = seg, clock, heard
        self.speak, self.log_event = speak, log_event
        self.record = InterviewLog()
        outro = seg.outro.text if seg.outro else self.default_outro()
        self.outro = seg.outro or Line(text=outro)
        self.reserve = seconds_to_say(outro) + 1.0

    def default_outro(self) -> str:
        return f"That's all we have time for. Thank you so much, {self.seg.guest}!"

    def is_guest(self, turn: Turn) -> bool:
        return turn.speaker.strip().lower() == self.seg.guest.strip().lower() or \
            turn.role in ("guest", "reporter")

    async def run(self) -> InterviewLog:
        seg = self.seg
        deadline = self.clock.now() + seg.minutes * 60
        wrap_at = deadline - self.reserve
        self._drain()  # what was said before the interview is not an answer
        intro = seg.intro or Line(text=f"Joining us now is {seg.guest}, to talk about "
                                       f"{seg.topic}. Welcome!")
        await self.speak(intro)
        for i, question in enumerate(seg.questions):
            if self.clock.now() + seconds_to_say(question) + MIN_ANSWER_S > wrap_at:
                self.record.skipped = len(seg.questions) - i
                break
            answer = await self._ask(question, wrap_at)
            if answer is None or not seg.follow_ups:
                continue
            extra = follow_up(question, answer, seg.topic)
            if self.clock.now() + seconds_to_say(extra) + MIN_ANSWER_S <= wrap_at:
                self.record.follow_ups.append(extra)
                await self._ask(extra, wrap_at, follow=True)
        await self.speak(self.outro)
        self.record.ended_at = self.clock.now()
        await self.log_event("interview_ended", id=seg.id, asked=len(self.record.asked),
                             answers=len(self.record.answers),
                             follow_ups=len(self.record.follow_ups),
                             skipped=self.record.skipped)
        return self.record

    async def _ask(self, question: str, wrap_at: float, follow: bool = False) -> str | None:
        if not follow:
            self.record.asked.append(question)
        self._drain()
        await self.speak(Line(text=question))
        wait = min(self.seg.answer_s, wrap_at - self.clock.now())
        answer = await self._listen(wait)
        if answer is None:
            self.record.unanswered += 1
            await self.log_event("interview_no_answer", id=self.seg.id, question=question)
            if self.clock.now() + 3.0 < wrap_at:
                await self.speak(Line(text="Let's move on."))
            return None
        self.record.answers.append(answer)
        await self.log_event("interview_answer", id=self.seg.id, question=question,
                             answer=answer[:500])
        return answer

    async def _listen(self, show_seconds: float) -> str | None:
        """The guest's answer (their turns until a pause), or None after the wait."""
        if show_seconds <= 0:
            return None
        end = self.clock.now() + show_seconds
        parts: list[str] = []
        while (left := end - self.clock.now()) > 0:
            # after the first turn, a short quiet ends the answer
            wait = left if not parts else min(left, 1.5)
            try:
                turn = await asyncio.wait_for(self.heard.get(), self.clock.wall(wait))
            except TimeoutError:
                break
            if self.is_guest(turn):
                parts.append(turn.text.strip())
        return " ".join(parts) or None

    def _drain(self) -> None:
        while not self.heard.empty():
            self.heard.get_nowait()
