""""What's next?" / "what's on now?" answered from the live rundown while a show runs.

The show runner tells the brain where it is (:class:`OnAir`: what is on now and what
follows, in words); :func:`answer_on_air` answers in English, Spanish or Chinese. With no
show running the question falls through to the knowledge base's schedule
(:mod:`dialogue.schedule`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class OnAir:
    """Where a running show is: ``now`` (the segment on air, in words) and ``next``
    (the one after it; None at the last segment)."""

    now: str
    next: str | None = None


_NEXT = re.compile(
    r"\bwhat'?s (?:on )?next\b|\bwhat (?:is|comes) next\b|\bwhat'?s coming(?: up)?(?: next)?\b|"
    r"\bwhat'?s after this\b|\bwhat are we doing next\b|\bwhat'?s up next\b|"
    r"\bqu[ée] (?:sigue|viene (?:ahora|despu[ée]s)|hay despu[ée]s)\b|"
    r"接下来(?:是|有|要)?(?:什么|啥)|下一个(?:节目|环节)?是什么|然后(?:是|有)什么", re.I)
_NOW = re.compile(
    r"\bwhat'?s on (?:now|right now)\b|\bwhat are we (?:doing|watching) (?:now|right now)?\b|"
    r"\bwhat'?s happening (?:now|right now)\b|\bwhat is (?:this|going on)\b(?! (?:\w+ )?(?:game|sport))|"
    r"\bqu[ée] (?:hay|estamos viendo|pasa|est[áa] pasando) ahora\b|\bqu[ée] es esto\b|"
    r"现在(?:是|在)(?:什么|啥)(?:节目|环节)?|现在在(?:干|做)什么|这是什么节目", re.I)
_LINES = {
    "en": {"now": "Right now it's {now}.", "next": "Next up: {next}.",
           "last": "This is the last part of the show: {now}."},
    "es": {"now": "Ahora mismo: {now}.", "next": "Lo siguiente: {next}.",
           "last": "Es la última parte del programa: {now}."},
    "zh": {"now": "现在是{now}。", "next": "接下来是{next}。", "last": "这是节目的最后一部分：{now}。"},
}


def answer_on_air(text: str, lang: str, on_air: OnAir | None) -> str | None:
    """The answer to "what's next / what's on now?" from the running show (None: not
    asked, or no show running)."""
    if on_air is None:
        return None
    asks_next, asks_now = bool(_NEXT.search(text)), bool(_NOW.search(text))
    if not (asks_next or asks_now):
        return None
    lines = _LINES.get(lang, _LINES["en"])
    if asks_next and on_air.next is None:
        return lines["last"].format(now=on_air.now)
    if asks_next:
        return lines["next"].format(next=on_air.next)
    said = lines["now"].format(now=on_air.now)
    return f"{said} {lines['next'].format(next=on_air.next)}" if on_air.next else said
