"""Date arithmetic a host must never guess, in English, Spanish and Chinese.

:func:`answer_days_until` answers "how many days until the final?" from the show's
schedule (its dated events, :mod:`dialogue.schedule`) or an explicit date ("until March
3", "hasta el 3 de marzo", "离3月3日还有几天"), and takes "if today is February 15" as
today. :func:`answer_day_offset` answers "what day is it in 3 days?" ("¿qué día será
dentro de 3 días?", "3天后是星期几？", "后天是几号"). Both return None when the message is
not such a question, so the brain goes on.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from .schedule import Event

_DAYS = {"en": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split(),
         "es": "lunes martes miércoles jueves viernes sábado domingo".split(),
         "zh": "星期一 星期二 星期三 星期四 星期五 星期六 星期日".split()}
_MONTHS_EN = "january february march april may june july august september october november december".split()
_MONTHS_ES = "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre".split()
_MONTH_WORD = "|".join(_MONTHS_EN + _MONTHS_ES + [m[:3] for m in _MONTHS_EN])
_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_EN_NUMBERS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty".split())}
_ES_NUMBERS = {w: i for i, w in enumerate(
    "cero uno dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince".split())}
_ES_NUMBERS["un"] = 1

_UNTIL = [
    re.compile(r"\bhow many (?:more )?days\b.*?\b(?:until|till|til|to|before|left (?:until|before|to))\s+"
               r"(?P<x>.+?)(?:\s+if today is\b.*)?[?.!]*$", re.I),
    re.compile(r"\bhow long (?:is it )?(?:until|till|before)\s+(?P<x>.+?)(?:\s+if today is\b.*)?[?.!]*$", re.I),
    re.compile(r"\bcu[áa]ntos d[íi]as (?:faltan|quedan|hay)\s+(?:para|hasta)\s+(?P<x>.+?)"
               r"(?:\s+si hoy es\b.*)?[?.!]*$", re.I),
    re.compile(r"(?:离|距离|距|到)(?P<x>.+?)还有(?:几|多少)天"),
    re.compile(r"^(?P<x>.+?)还有(?:几|多少)天"),
]
_TODAY_IS = re.compile(
    rf"(?:\bif today is|\bsi hoy es|今天是)\s*(?:el\s+)?(?P<d>(?:{_MONTH_WORD})\s+\d{{1,2}}|\d{{1,2}}\s+(?:de\s+)?"
    rf"(?:{_MONTH_WORD})|\d{{1,2}}月\d{{1,2}}[日号])", re.I)
_OFFSET = [
    re.compile(r"\bwhat (?:day|date)(?: of the week)? (?:is it|will it be|would it be|is|was it|will be)\s+"
               r"(?P<n>\w+) days? (?P<dir>from now|from today|ago|later)?", re.I),
    re.compile(r"\bwhat (?:day|date)(?: of the week)? (?:is it|will it be|would it be|is|will be)\s+in\s+"
               r"(?P<n>\w+) days?\b", re.I),
    re.compile(r"\bin (?P<n>\w+) days?,? what (?:day|date)\b", re.I),
    re.compile(r"\bqu[ée] (?:d[íi]a|fecha) (?:es|será|sera|fue|era)\s+(?:en|dentro de)\s+(?P<n>\w+) d[íi]as?\b", re.I),
    re.compile(r"\bqu[ée] (?:d[íi]a|fecha) (?:fue|era)\s+hace\s+(?P<n>\w+) d[íi]as?\b(?P<dir>)", re.I),
    re.compile(r"(?P<n>[\d一二两三四五六七八九十百]+)天(?P<dir>后|以后|之后|前|以前|之前)是(?:星期几|礼拜几|几号|几月几[日号]|哪天)"),
]
_NEAR_ZH = {"明天": 1, "后天": 2, "大后天": 3, "昨天": -1, "前天": -2}
_NEAR_ZH_RX = re.compile(r"(大后天|后天|明天|前天|昨天)是(?:星期几|礼拜几|几号|几月几[日号])")
_STOP = frozenset("the a an of in on at for to is are and y el la los las de del para hasta".split())


def _count(word: str) -> int | None:
    """A small count from digits, English or Spanish words, or Chinese numerals."""
    w = word.strip().lower()
    if w.isdigit():
        return int(w)
    if w in _EN_NUMBERS:
        return _EN_NUMBERS[w]
    if w in _ES_NUMBERS:
        return _ES_NUMBERS[w]
    if w and all(c in _CN_DIGITS or c in "十百" for c in w):
        if w == "十":
            return 10
        if "十" in w:
            tens, _, ones = w.partition("十")
            return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)
        if len(w) == 1:
            return _CN_DIGITS[w]
    return None


def _parse_date(text: str, year: int) -> dt.date | None:
    """"February 15", "15 February", "15 de febrero", "2月15日" in ``year``."""
    m = re.search(rf"(?P<mon>{_MONTH_WORD})\s+(?P<day>\d{{1,2}})\b|\b(?P<day2>\d{{1,2}})\s+(?:de\s+)?"
                  rf"(?P<mon2>{_MONTH_WORD})\b|(?P<mon3>\d{{1,2}})月(?P<day3>\d{{1,2}})[日号]", text, re.I)
    if not m:
        return None
    try:
        if m.group("mon3"):
            return dt.date(year, int(m.group("mon3")), int(m.group("day3")))
        name = (m.group("mon") or m.group("mon2")).lower()
        day = int(m.group("day") or m.group("day2"))
        month = (_MONTHS_EN.index(name) if name in _MONTHS_EN else _MONTHS_ES.index(name)
                 if name in _MONTHS_ES else [x[:3] for x in _MONTHS_EN].index(name)) + 1
        return dt.date(year, month, day)
    except ValueError:
        return None


def _say_date(day: dt.date, lang: str) -> str:
    weekday = _DAYS.get(lang, _DAYS["en"])[day.weekday()]
    if lang == "zh":
        return f"{day.month}月{day.day}日，{weekday}"
    if lang == "es":
        return f"{weekday}, {day.day} de {_MONTHS_ES[day.month - 1]}"
    return f"{weekday}, {day.day} {_MONTHS_EN[day.month - 1].capitalize()}"


def event_name(event: Event) -> str:
    """The event's subject: "The closing ceremony takes place on ..." -> "the closing ceremony"."""
    m = re.match(r"\s*(?:-\s*)?(.+?)\s+(?:is|are|takes place|take place|starts|begins|opens)\b", event.text)
    name = m.group(1) if m else event.text.split(" on ")[0]
    return name[:1].lower() + name[1:] if name[:2] in ("Th", "A ", "An") else name


def match_event(phrase: str, events: Sequence[Event], now: dt.datetime) -> Event | None:
    """The event ``phrase`` names ("the final", "closing ceremony"): the most words in
    common with its name, the next one to come among equals (else the last one)."""
    words = [w for w in re.findall(r"\w+", phrase.casefold()) if w not in _STOP]
    if not words:
        return None
    scored = []
    for e in events:
        name = set(re.findall(r"\w+", event_name(e).casefold()))
        score = sum(w in name or w.rstrip("s") in name for w in words)
        if score:
            scored.append((score, e))
    if not scored:
        return None
    best = max(s for s, _ in scored)
    tied = [e for s, e in scored if s == best]
    coming = [e for e in tied if e.at >= now]
    return coming[0] if coming else tied[-1]


_UNTIL_LINES = {
    "en": {"future": "{name} is in {n} days, on {date}.", "tomorrow": "{name} is tomorrow, {date}!",
           "today": "{name} is today, {date}!", "past": "{name} was {n} days ago, on {date}."},
    "es": {"future": "Faltan {n} días para {name}: es el {date}.", "tomorrow": "¡{name} es mañana, {date}!",
           "today": "¡{name} es hoy, {date}!", "past": "{name} fue hace {n} días, el {date}."},
    "zh": {"future": "离{name}还有{n}天，是{date}。", "tomorrow": "{name}就在明天，{date}！",
           "today": "{name}就是今天，{date}！", "past": "{name}已经在{n}天前结束了，是{date}。"},
}


def answer_days_until(text: str, lang: str, events: Sequence[Event], now: dt.datetime | None = None,
                      label: str | None = None, english: str | None = None) -> str | None:
    """"How many days until <event or date>?" answered in ``lang`` (None: not asked, or
    the event is not in the schedule). ``english``: the question in English (for a
    question in another language whose event names are English in the schedule);
    ``label``: how to name the event (default: the asker's own words, else the schedule's)."""
    now = now or dt.datetime.now()
    phrase = next((m.group("x") for rx in _UNTIL if (m := rx.search(text))), None)
    if phrase is None:
        return None
    today_is = _TODAY_IS.search(text)
    today = (_parse_date(today_is.group("d"), now.year) if today_is else None) or now.date()
    target = _parse_date(phrase, today.year)
    name = phrase.strip(" ?？!！.。")
    if target is None:
        event = match_event(phrase, events, now)
        if event is None and english:
            eng = next((m.group("x") for rx in _UNTIL[:2] if (m := rx.search(english))), english)
            event = match_event(eng, events, now)
        if event is None:
            return None
        target = event.at.date()
        if lang == "en" or not re.search(r"[\u3400-\u9fff]", name) and lang != "es":
            name = event_name(event)
        name = label or name
    days = (target - today).days
    key = "future" if days > 1 else "tomorrow" if days == 1 else "today" if days == 0 else "past"
    line = _UNTIL_LINES.get(lang, _UNTIL_LINES["en"])[key]
    said = line.format(name=name, n=abs(days), date=_say_date(target, lang))
    return said[:1].upper() + said[1:]


_OFFSET_LINES = {"en": ("In {n} days it will be {date}.", "{n} days ago it was {date}."),
                 "es": ("Dentro de {n} días será {date}.", "Hace {n} días fue {date}."),
                 "zh": ("{n}天后是{date}。", "{n}天前是{date}。")}


def answer_day_offset(text: str, lang: str, now: dt.datetime | None = None) -> str | None:
    """"What day is it in 3 days?" in ``lang`` (None: not asked)."""
    now = now or dt.datetime.now()
    lines = _OFFSET_LINES.get(lang, _OFFSET_LINES["en"])
    near = _NEAR_ZH_RX.search(text)
    if near:
        n = _NEAR_ZH[near.group(1)]
        return lines[0 if n > 0 else 1].format(n=abs(n), date=_say_date(now.date() + dt.timedelta(days=n), lang))
    for i, rx in enumerate(_OFFSET):
        m = rx.search(text)
        if not m:
            continue
        count = _count(m.group("n"))
        if count is None or count > 3660:
            return None
        n = count
        back = i == 4 or (m.groupdict().get("dir") or "") in ("ago", "前", "以前", "之前")
        day = now.date() + dt.timedelta(days=-n if back else n)
        return lines[1 if back else 0].format(n=n, date=_say_date(day, lang))
    return None
