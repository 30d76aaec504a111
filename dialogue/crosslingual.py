"""Show questions in Chinese and Spanish answered from an English knowledge base.

The packaged chat model is too small to translate reliably (measured in
docs/dialogue.md), so the question becomes an English query word by word through a
glossary of the words viewers use (``data/glossary.yaml``: events, sports, venues, food,
tickets, travel, people; question words first): "冰球决赛是什么时候？" -> "when ice hockey
final?". The grounded Q&A engine answers it; the answer is said in the asker's language
by putting the short answer (a span copied from the knowledge base, dates and units in
that language's form) in the place of the question word: "冰球决赛是2026年2月21日17:00。",
"La mascota se llama Pip.". A short answer that is itself English prose is not
translated: the source sentence is said after a lead in the asker's language.
"""

from __future__ import annotations

import logging
import re
from functools import cache
from importlib import resources
from typing import Any

import yaml

from .rows import price_of, row_fields, say_row

log = logging.getLogger(__name__)

_MONTHS_EN = "january february march april may june july august september october november december".split()
_MONTHS_ES = "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre".split()
_DATE = re.compile(r"\b(\d{1,2}) (" + "|".join(_MONTHS_EN) + r")(?: (\d{4}))?(?: at (\d{1,2}:\d{2}))?", re.I)
_UNITS = {"euros": ("欧元", "euros"), "euro": ("欧元", "euro"), "kilometres": ("公里", "kilómetros"),
          "metres": ("米", "metros"), "spectators": ("名观众", "espectadores"), "minutes": ("分钟", "minutos"),
          "athletes": ("名运动员", "atletas"), "dollars": ("美元", "dólares"), "countries": ("个国家", "países"), "sports": ("个项目", "deportes")}
_CURRENCY = {"eur": "euros", "usd": "dollars"}
_VENUE = r"(?:slope|stadium|arena|hall|range|jump|village|centre|center|lake|park|square|station)"
_NAME = re.compile(rf"^(?:the\s+)?[A-Z][\w'-]*(?:\s+(?:[A-Z][\w'-]*|{_VENUE}))*$")
_ASKS_PRICE = re.compile(r"cu[áa]nto (?:cuesta|cuestan|vale|valen)|precio|多少钱|价格|票价|how much", re.I)
LEAD: dict[str, str] = {"zh": "节目资料里写着：", "es": "Según la información del programa:"}


@cache
def glossary() -> dict[str, dict[str, str]]:
    """The shipped glossary: language -> {word: English} (``?`` marks question words)."""
    text = resources.files("vhuman.dialogue").joinpath("data/glossary.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    return {lang: {str(k).casefold(): str(v) for k, v in words.items()} for lang, words in data.items()}


# Words a question is built of that ask nothing by themselves: an unknown word outside
# these is a thing the English query would silently drop ("el guardarropa de la sede" read
# as "the venue").
_ES_FILLER = frozenset(
    "a al de del el la los las lo un una unos unas y o e u en con por para sin sobre que qué "
    "se me te nos le les mi mis tu tus su sus es son está están estar ser hay va van "
    "favor por favor hola oye vivi dime sabes puedes podrías quiero quisiera saber "
    "más muy tan también ya aún todavía este esta estos estas ese esa hoy mañana noche "
    "tarde ahora dónde donde cuándo cuando cómo como cuánto cuánta cuántos cuántas quién "
    "quiénes cuál cuáles celebra juega juegan empieza comienza abre cierra termina será "
    "llama cuesta cuestan vale valen mide participan".split())
_ZH_FILLER = frozenset("的了吗呢吧啊呀哦嗯是在有和与跟请问一下我你他她们这那个些要想能会可以还都也就很太最么去到从给对把被让为今晚天")


def unknown_words(text: str, lang: str) -> list[str]:
    """Words of a ``zh`` / ``es`` question the glossary does not know and that are not
    question filler: what a word-by-word English query would leave out."""
    return _scan(text, lang)[2]


def to_english(text: str, lang: str, reverse: bool = False) -> str | None:
    """An English query for a ``zh`` or ``es`` question (None: no word of it is known);
    ``reverse``: the known words in reverse order (Chinese puts the verb last)."""
    asks, found, _ = _scan(text, lang)
    if not found:
        return None
    lead = asks[0] if asks else "what about"
    return " ".join(dict.fromkeys([lead, "the", *(found[::-1] if reverse else found)])) + "?"


def _scan(text: str, lang: str) -> tuple[list[str], list[str], list[str]]:
    """(question words, other known words and names in English, unknown words) of ``text``."""
    words = glossary().get(lang)
    if not words:
        return [], [], []
    low = text.casefold()
    longest = max(len(k) for k in words)
    asks: list[str] = []
    found: list[str] = []
    unknown: list[str] = []
    skipped = ""  # the unknown run being read
    after_ask = False  # the last known word asks ("什么" before "动物": the thing asked for)
    i = 0
    while i < len(low):
        hit = None
        for size in range(min(longest, len(low) - i), 0, -1):
            piece = low[i:i + size]
            if piece in words and (lang == "zh" or _whole_word(low, i, size)):
                hit = piece
                break
        if hit is None:
            m = re.match(r"[A-Z][\w-]*(?: [A-Z][\w-]*)*|\d[\d.,:]*", text[i:])  # names, numbers
            if m and (i == 0 or not text[:i].strip(" ¿¡")):
                m = None  # a capital that only starts the sentence
            if m:
                found.append(m.group(0))
                i += len(m.group(0))
                skipped = _unknown(skipped, lang, unknown)
            else:
                skipped += low[i]
                i += 1
            continue
        skipped = _unknown(skipped, lang, unknown)
        english = words[hit]
        (asks if english.startswith("?") else found).append(english.lstrip("?"))
        after_ask = english.startswith("?")
        i += len(hit)
    _unknown(skipped, lang, unknown, last=not after_ask)
    return asks, found, unknown


_ES_ARTICLE = frozenset("el la los las un una unos unas del al".split())


def _unknown(run: str, lang: str, into: list[str], last: bool = False) -> str:
    """Adds the unknown things a run of unglossed text names to ``into``; returns "".

    Spanish: a word after an article ("el guardarropa"), not an adjective or verb after
    a known word ("la bufanda oficial", "el aeropuerto más cercano"). Chinese: two
    characters or more outside the filler, except a verb that ends the question after the
    known words ("有多少运动员参加"; after a question word it is the thing asked for:
    "吉祥物是什么动物？")."""
    if lang == "zh":
        if not last:
            into += [w for w in re.findall(r"[\u3400-\u9fff]+", run)
                     if len([c for c in w if c not in _ZH_FILLER]) >= 2]
        return ""
    words = re.findall(r"[^\W\d_]+", run)
    into += [w for before, w in zip(["", *words], words, strict=False)
             if before in _ES_ARTICLE and w not in _ES_FILLER and len(w) > 2]
    return ""


def _whole_word(text: str, start: int, size: int) -> bool:
    before = text[start - 1] if start else " "
    after = text[start + size] if start + size < len(text) else " "
    return not (before.isalnum() or after.isalnum())


def localize(short: str, lang: str) -> str | None:
    """``short`` (an English span: a date, a number with a unit, a price field of a
    table row, a name such as "the Crystal Arena") in ``lang`` (None: it is English
    prose, not translatable word by word)."""
    out = short.strip().rstrip(".")
    price = re.search(r"\bprice(?:[ _](eur|usd))?:\s*([\d.,]+)", out, re.I)
    if price:  # a table row ("category: premium; price eur: 120")
        out = f"{price.group(2)} {_CURRENCY.get((price.group(1) or '').lower(), '')}".strip()
    if _NAME.match(out):
        return re.sub(r"^the\s+", "", out)

    def date(m: re.Match[str]) -> str:
        day, month, year, clock = m.group(1), _MONTHS_EN.index(m.group(2).lower()), m.group(3), m.group(4)
        if lang == "zh":
            return f"{year + '年' if year else ''}{month + 1}月{day}日{clock or ''}"
        said = f"{day} de {_MONTHS_ES[month]}" + (f" de {year}" if year else "")
        return said + (f" a las {clock}" if clock else "")

    out = _DATE.sub(date, out)
    for unit, (zh, es) in _UNITS.items():
        word = zh if lang == "zh" else " " + es
        out = re.sub(rf"(\d[\d.,]*)\s+{unit}\b", rf"\g<1>{word}", out)
    out = re.sub(r"^(?:about|around)\s+", "约" if lang == "zh" else "unos ", out, flags=re.I)
    own = {*_MONTHS_ES, *(es for _, es in _UNITS.values()), "de", "las", "unos"}
    english = [w for w in re.findall(r"\b[a-zá-ú][a-zá-ú'-]+\b", out) if w not in own]
    return None if english else out


# zh: the question phrase is replaced by the answer; es: the question is turned around.
_ZH_SLOT = re.compile(r"什么时候|哪一天|哪天|几点|哪里|哪儿|哪|多少钱|(?P<n>多少|几个|几)|谁|什么名字|什么")
_ES_FORMS = [
    (re.compile(r"^¿?\s*cu[áa]ndo\s+(es|son|empieza|comienza|abre|cierra|termina|se celebra|se juega|será)\s+"
                r"(?P<x>.+?)\s*\??$", re.I), "{x} {v} {when}."),
    (re.compile(r"^¿?\s*a\s+qu[ée]\s+hora\s+(es|son|empieza|empiezan|comienza|comienzan|abre|abren|cierra|"
                r"cierran|termina|terminan|sale|salen|llega|llegan|se celebra|se juega)\s+(?P<x>.+?)\s*\??$", re.I),
     "{x} {v} {when}."),
    (re.compile(r"^¿?\s*d[óo]nde\s+(es|está|están|se celebra|se juega|juegan|empieza)\s+(?P<x>.+?)\s*\??$", re.I),
     "{x} {v} en {a}."),
    (re.compile(r"^¿?\s*c[óo]mo\s+(se llama)\s+(?P<x>.+?)\s*\??$", re.I), "{x} {v} {a}."),
    (re.compile(r"^¿?\s*cu[áa]nto\s+(cuesta|cuestan|vale|mide)\s+(?P<x>.+?)\s*\??$", re.I), "{x} {v} {a}."),
    (re.compile(r"^¿?\s*qui[ée]n\s+(\w+)\s+(?P<x>.+?)\s*\??$", re.I), "{a} {v} {x}."),
    (re.compile(r"^¿?\s*cu[áa]nt[oa]s\s+(?P<x>\w+)\s+(\w+.*?)\s*\??$", re.I), "{a_num} {x} {v}."),
]


def say_answer(question: str, lang: str, short: str, full: str) -> str:
    """The knowledge base's answer (``short`` span of the ``full`` sentence) said in the
    asker's language, in the words of their question where it can be."""
    span = short
    row = row_fields(full)
    price = price_of(row[0]) if row else None
    if price and (price[0] in short or _ASKS_PRICE.search(question)):  # a row's price: the whole field
        span = f"price {price[1]}: {price[0]}"
    for date in _DATE.finditer(full):  # a part of a date ("February 2026"): the whole date
        if short in date.group(0) or date.group(0) in short:
            span = date.group(0)
            break
    clock = re.search(re.escape(span) + r" at (\d{1,2}:\d{2})", full)
    if clock and not span.endswith(clock.group(1)):
        span = f"{span} at {clock.group(1)}"
    local = localize(span, lang)
    number = re.search(r"\d[\d,.]*", short)
    if lang == "zh":
        m = _ZH_SLOT.search(question)
        if m and m.group("n") and number:
            local = number.group(0)  # "有多少运动员？" -> "有640运动员"
        kind_of = m is not None and m.group(0) == "什么" and re.match(r"[\u3400-\u9fff]", question[m.end():])
        if m and local is not None and not kind_of:  # "什么动物" asks for a kind: "Pip动物" is no answer
            head = question[:m.start()].rstrip("是")
            joiner = "是" if question[:m.start()].endswith("是") else ""
            said = head + joiner + local + question[m.end():]
            return re.sub(r"[吗呢]?\s*[?？]+\s*$", "", said).rstrip("。") + "。"
    if local is not None or number is not None:
        if lang == "es":
            for rx, form in _ES_FORMS:
                m = rx.match(question.strip())
                counting = "{a_num}" in form
                if m and (local is not None or counting and number is not None):
                    groups = [g for g in m.groups() if g is not None]
                    verb = groups[-1] if counting else groups[0]
                    x = m.group("x").strip()
                    when = f"a las {local}" if local and re.fullmatch(r"\d{1,2}:\d{2}", local) else f"el {local}"
                    said = form.format(x=x, v=verb, a=local, a_num=number.group(0) if number else local,
                                       when=when)
                    return said[:1].upper() + said[1:]
    return say_row(full, lang) or f"{LEAD.get(lang, '')} {full}".strip()


async def answer_in_language(qa: Any, question: str, lang: str) -> str | None:
    """A Chinese or Spanish show question answered from the English knowledge base, in
    the asker's language (None: not understood, or the knowledge has no answer). A
    question that names something the glossary does not know is not understood: the
    query without it would ask something else ("el vestíbulo de la sede" read as "the
    venue")."""
    missing = unknown_words(question, lang)
    if missing:
        log.info("%s question %r names words the glossary lacks: %s", lang, question, missing)
        return None
    queries = [q for q in (to_english(question, lang), to_english(question, lang, reverse=True)) if q]
    answers = []
    for query in dict.fromkeys(queries):  # English word order differs: read both, keep the surer
        try:
            answers.append(await qa.answer_async(query))
        except Exception as exc:  # a broken index must not cut the show
            log.warning("knowledge base lookup failed: %s", exc)
            return None
    answered = [a for a in answers if a.answered and a.short]
    if not answered:
        return None
    answer = max(answered, key=lambda a: a.confidence)
    query = queries[answers.index(answer)] if answer in answers else queries[0]
    log.info("%s question %r read as %r (confidence %.2f)", lang, question, query, answer.confidence)
    return say_answer(question, lang, answer.short, answer.text)
