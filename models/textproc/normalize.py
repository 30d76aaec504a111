"""Text normalisation before synthesis: make written text speakable.

Numbers, ordinals, years, dates, times, money, percentages, common abbreviations and
symbols become words; URLs and e-mail addresses are spoken as "a link to example dot com"
rather than letter by letter; emoji and control characters are removed. Language-specific
rules are English; other languages only get the language-neutral cleanup (control
characters, emoji, URLs), since eSpeak reads their numbers itself.
"""

from __future__ import annotations

import re
import unicodedata

from .numbers import cardinal, decimal, digits, money, ordinal, year

_MONTHS = (
    "January February March April May June July August September October November December"
).split()

_ABBREVIATIONS = {
    "mr": "Mister",
    "mrs": "Missus",
    "ms": "Miz",
    "dr": "Doctor",
    "prof": "Professor",
    "st": "Saint",
    "jr": "Junior",
    "sr": "Senior",
    "vs": "versus",
    "etc": "et cetera",
    "approx": "approximately",
    "dept": "department",
    "no": "number",
    "e.g": "for example",
    "i.e": "that is",
    "a.m": "A M",
    "p.m": "P M",
    "u.s": "U S",
}
_UNITS = {
    "km": "kilometers",
    "kg": "kilograms",
    "cm": "centimeters",
    "mm": "millimeters",
    "m": "meters",
    "g": "grams",
    "kb": "kilobytes",
    "mb": "megabytes",
    "gb": "gigabytes",
    "tb": "terabytes",
    "ms": "milliseconds",
    "min": "minutes",
    "s": "seconds",
    "h": "hours",
    "mph": "miles per hour",
    "kmh": "kilometers per hour",
    "hz": "hertz",
    "khz": "kilohertz",
}
_SYMBOLS = {
    "&": " and ",
    "+": " plus ",
    "=": " equals ",
    "@": " at ",
    "#": " number ",
    "°": " degrees ",
    "×": " times ",
    "/": " slash ",
}

_NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"  # 1,200,000.5 (commas only as thousands)
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
_EMAIL = re.compile(r"\b([\w.+-]+)@([\w-]+(?:\.[\w-]+)+)\b")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_US_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_MONTH_DAY = re.compile(
    r"\b(" + "|".join(_MONTHS) + r")\s+(\d{1,2})(?:st|nd|rd|th)?\b(,?\s+(\d{4})\b)?"
)
_TIME = re.compile(r"\b(\d{1,2}):(\d{2})(?:\s*([AaPp])\.?[Mm](\.)?)?(?=\W|$)")
_MONEY = re.compile(
    r"([$€£¥])\s?(" + _NUM + r")(?:\s?(thousand|million|billion|trillion|[kKmMbB]n?)\b)?"
)
_PERCENT = re.compile(r"(-?" + _NUM + r")\s?%")
_ORDINAL = re.compile(r"\b(\d+)(st|nd|rd|th)\b", re.IGNORECASE)
_UNIT = re.compile(r"\b(\d+(?:\.\d+)?)\s?(" + "|".join(_UNITS) + r")\b", re.IGNORECASE)
_YEAR = re.compile(r"(?<![\d.,])(1[1-9]\d\d|20\d\d)(s?)(?![\d,]|\.\d)")
_NUMBER = re.compile(r"(?<![\w.])-?" + _NUM + r"(?![\d])")
_ABBR = re.compile(
    r"\b(" + "|".join(re.escape(k) for k in sorted(_ABBREVIATIONS, key=len, reverse=True))
    + r")\.(?=\s|$)",
    re.IGNORECASE,
)
_SCALE_SHORT = {"k": "thousand", "m": "million", "mn": "million", "b": "billion", "bn": "billion"}
_SPACES = re.compile(r"\s+")


def _is_emoji_or_symbol(char: str) -> bool:
    category = unicodedata.category(char)
    if category == "So" or category == "Sk":  # emoji, pictographs, modifier symbols
        return True
    code = ord(char)
    return 0xFE00 <= code <= 0xFE0F or code == 0x200D or 0x1F3FB <= code <= 0x1F3FF


def clean_characters(text: str) -> str:
    """Remove control characters, emoji and zero-width joiners; normalise spaces (NFC)."""
    text = unicodedata.normalize("NFC", text)
    out = []
    for char in text:
        category = unicodedata.category(char)
        if char in "\t\n\r" or category == "Zs":
            out.append(" ")
        elif category.startswith("C") or _is_emoji_or_symbol(char):
            continue
        else:
            out.append(char)
    return _SPACES.sub(" ", "".join(out)).strip()


def _speak_domain(domain: str) -> str:
    domain = domain.lower().removeprefix("www.")
    return " dot ".join(part for part in domain.split(".") if part)


def _url(match: re.Match[str]) -> str:
    raw = match.group(0).rstrip(".,;:!?)")
    tail = match.group(0)[len(raw) :]
    host = re.sub(r"^(?:https?://)?", "", raw, flags=re.IGNORECASE).split("/")[0].split(":")[0]
    return f"a link to {_speak_domain(host)}{tail}"


def _date(y: int, m: int, d: int, original: str) -> str:
    if not (1 <= m <= 12 and 1 <= d <= 31):
        return original
    return f"{_MONTHS[m - 1]} {ordinal(d)}, {year(y)}"


def _time(match: re.Match[str]) -> str:
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours > 23 or minutes > 59:
        return match.group(0)
    suffix = f" {match.group(3).upper()} M" if match.group(3) else ""
    after = match.string[match.end() :].lstrip()
    if match.group(4) and (not after or after[0].isupper()):
        suffix += "."  # "3 p.m." closed the sentence: keep the full stop
    if minutes == 0:
        spoken = f"{cardinal(hours)} o'clock" if not suffix else cardinal(hours)
    elif minutes < 10:
        spoken = f"{cardinal(hours)} oh {cardinal(minutes)}"
    else:
        spoken = f"{cardinal(hours)} {cardinal(minutes)}"
    return spoken + suffix


def _money(match: re.Match[str]) -> str:
    scale = (match.group(3) or "").lower()
    scale = _SCALE_SHORT.get(scale, scale)
    return money(match.group(1), match.group(2), scale)


def _year(match: re.Match[str]) -> str:
    spoken = year(int(match.group(1)))
    if not match.group(2):
        return spoken
    return spoken[:-1] + "ies" if spoken.endswith("y") else spoken + "s"  # the 1990s


def _number(match: re.Match[str]) -> str:
    text = match.group(0)
    if "." in text:
        return decimal(text)
    body = text.replace(",", "")
    if len(body.lstrip("-")) > 1 and body.lstrip("-").startswith("0"):
        return digits(body)  # "007", zip codes
    return cardinal(int(body))


def normalize_text(text: str, language: str = "en") -> str:
    """Make ``text`` speakable for a TTS voice in ``language`` (ISO code, e.g. "en", "zh").

    >>> normalize_text("Dr. Smith paid $3.50 on 2024-05-01 👍")
    'Doctor Smith paid three dollars and fifty cents on May first, twenty twenty-four'
    """
    text = clean_characters(text)
    text = _URL.sub(_url, text)
    text = _EMAIL.sub(lambda m: f"{m.group(1)} at {_speak_domain(m.group(2))}", text)
    if not language.lower().startswith("en"):
        return text
    text = _ISO_DATE.sub(
        lambda m: _date(int(m.group(1)), int(m.group(2)), int(m.group(3)), m.group(0)), text
    )
    text = _US_DATE.sub(
        lambda m: _date(int(m.group(3)), int(m.group(1)), int(m.group(2)), m.group(0)), text
    )
    text = _MONTH_DAY.sub(
        lambda m: f"{m.group(1)} {ordinal(int(m.group(2)))}"
        + (f", {year(int(m.group(4)))}" if m.group(4) else ""),
        text,
    )
    text = _TIME.sub(_time, text)
    text = _MONEY.sub(_money, text)
    text = _PERCENT.sub(lambda m: f"{decimal(m.group(1))} percent", text)
    text = _ORDINAL.sub(lambda m: ordinal(int(m.group(1))), text)
    text = _YEAR.sub(_year, text)
    text = _UNIT.sub(lambda m: f"{m.group(1)} {_UNITS[m.group(2).lower()]}", text)
    text = _ABBR.sub(lambda m: _ABBREVIATIONS[m.group(1).lower()], text)
    text = re.sub(r"(?<=\d)-(?=\d)", " to ", text)  # ranges: 3-5
    text = _NUMBER.sub(_number, text)
    for symbol, word in _SYMBOLS.items():
        text = text.replace(symbol, word)
    return _SPACES.sub(" ", text).strip()
