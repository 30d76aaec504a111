""""What's on tonight?": the show's schedule, read from its knowledge base.

Every KB sentence that states a date and a time ("The ice hockey final is on 21 February
2026 at 17:00 in the Crystal Arena.") is an event. :func:`answer_schedule` answers
"what's on tonight / today / tomorrow / next?" (English, Spanish, Chinese) with the events
of that day, else the next one, else says the schedule is over: always from the KB,
never guessed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

_MONTHS = {m: i + 1 for i, m in enumerate(
    "january february march april may june july august september october november december".split())}
_EVENT = re.compile(r"(\d{1,2}) (" + "|".join(_MONTHS) + r") (\d{4})[^.\n]*?\b(\d{1,2}):(\d{2})", re.I)
_SENTENCE = re.compile(r"[^.\n]*\d{1,2} (?:" + "|".join(_MONTHS) + r") \d{4}[^\n]*?(?:\.(?=\s|$)|$)", re.I)
_ASK = {
    "today": re.compile(r"\bwhat'?s on (?:tonight|today)\b|\bwhat (?:is|are) (?:on|happening) "
                        r"(?:tonight|today)\b|\bqu[ée] hay (?:esta noche|hoy)\b|今晚有什么|今天有什么", re.I),
    "tomorrow": re.compile(r"\bwhat'?s on tomorrow\b|\bqu[ée] hay mañana\b|明天有什么", re.I),
    "next": re.compile(r"\bwhat'?s (?:on )?next\b|\bwhat comes next\b|\bqu[ée] sigue\b|接下来有什么", re.I),
}
_LINES = {
    "en": {"none": "Nothing on the schedule {when}.", "next": "Next up: {event}",
           "over": "The schedule is over; the last event was: {event}", "when_today": "tonight",
           "when_tomorrow": "tomorrow"},
    "es": {"none": "No hay nada en el programa {when}.", "next": "Lo próximo: {event}",
           "over": "El programa ya terminó; lo último fue: {event}", "when_today": "esta noche",
           "when_tomorrow": "mañana"},
    "zh": {"none": "{when}的日程上没有活动。", "next": "接下来：{event}", "over": "日程已经结束了，最后一项是：{event}",
           "when_today": "今晚", "when_tomorrow": "明天"},
}


@dataclass(frozen=True)
class Event:
    """One scheduled moment and the KB sentence that states it."""

    at: dt.datetime
    text: str


def events_from(texts: Iterable[str]) -> list[Event]:
    """Every dated, timed sentence of ``texts``, in time order."""
    found: dict[tuple[dt.datetime, str], Event] = {}
    for text in texts:
        text = re.sub(r"(?<=[^\s.])\n(?=[^\s-])", " ", text)  # a sentence wrapped over lines
        for sentence in _SENTENCE.findall(text):
            m = _EVENT.search(sentence)
            if not m:
                continue
            day, month, year, hour, minute = m.groups()
            try:
                at = dt.datetime(int(year), _MONTHS[month.lower()], int(day), int(hour), int(minute))
            except ValueError:
                continue
            clean = " ".join(sentence.strip(" -*").split())
            found[(at, clean)] = Event(at, clean if clean.endswith(".") else clean + ".")
    return sorted(found.values(), key=lambda e: e.at)


def answer_schedule(text: str, lang: str, events: list[Event], now: dt.datetime | None = None) -> str | None:
    """The answer to a schedule question from ``events`` (None: not a schedule question)."""
    which = next((k for k, rx in _ASK.items() if rx.search(text)), None)
    if which is None or not events:
        return None
    now = now or dt.datetime.now()
    lines = _LINES.get(lang, _LINES["en"])
    if which in ("today", "tomorrow"):
        day = now.date() + dt.timedelta(days=1 if which == "tomorrow" else 0)
        on_day = [e.text for e in events if e.at.date() == day]
        if on_day:
            return " ".join(on_day[:3])
        head = lines["none"].format(when=lines[f"when_{which}"])
    else:
        head = ""
    upcoming = [e for e in events if e.at >= now]
    tail = lines["next"].format(event=upcoming[0].text) if upcoming else \
        lines["over"].format(event=events[-1].text)
    return f"{head} {tail}".strip()
