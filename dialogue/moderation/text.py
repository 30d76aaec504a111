"""The moderation normaliser: what a message says once its disguises are removed.

``normalize_text`` (NFKC, control characters out, white space collapsed) is what every
rule reads. ``fold`` undoes the disguises viewers use on blocked words: look-alike letters
and digits (``sh1t``, ``b!tch``, Cyrillic ``а``), accents (``fück``), letters split by
single separators (``f u c k``, ``f.u.c.k``). Also here: the one link pattern and PII
scrubbing.
"""

from __future__ import annotations

import re
import unicodedata

#: Look-alike letters, digits and signs that NFKC leaves alone, as the letter they imitate.
LOOKALIKES = str.maketrans({
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "к": "k", "і": "i",
    "ѕ": "s", "ј": "j", "ԁ": "d", "ɡ": "g", "υ": "u", "ο": "o", "α": "a", "ν": "v",
    "ł": "l", "ß": "ss", "€": "e", "£": "l", "¢": "c", "!": "i", "|": "l", "+": "t",
    "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s",
})
#: A link: a URL, ``www.…``, or a bare domain with a common spam top-level domain.
LINK = re.compile(r"(https?://|www\.)\S+|\b\S+\.(com|net|org|io|ru|xyz|gg)\b", re.IGNORECASE)
_SEPARATED = re.compile(r"\b(\w)[\s._\-*]+(?=\w\b)")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(\.[\w-]+)+\b")
_PHONE = re.compile(r"(?<![\w.])\+?\d[\d\s().-]{7,}\d(?![\w.])")
_CARD = re.compile(r"\b(?:\d[ -]?){13,19}\b")


def normalize_text(text: str) -> str:
    """NFKC, control characters removed, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return re.sub(r"\s+", " ", text).strip()


def looks_binary(raw: str | bytes) -> bool:
    """True for data that is not human text (NULs, many control or undecodable chars)."""
    if isinstance(raw, bytes):
        if b"\x00" in raw:
            return True
        raw = raw.decode("utf-8", "replace")
    if not raw:
        return False
    bad = sum(1 for ch in raw if ch == "\ufffd" or (unicodedata.category(ch) == "Cc" and ch not in "\n\r\t"))
    return "\x00" in raw or bad / len(raw) > 0.1


def strip_accents(text: str) -> str:
    """``fück`` -> ``fuck``: combining marks dropped after NFKD."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def despace(text: str) -> str:
    """Letters split by single separators joined: ``f u c k``, ``f.u.c.k`` -> ``fuck``."""
    return _SEPARATED.sub(r"\1", text)


def fold(text: str) -> str:
    """What an obfuscated text spells: lower case, look-alikes made letters, accents
    dropped, split letters joined."""
    return despace(strip_accents(text.lower().translate(LOOKALIKES)))


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def scrub_pii(text: str) -> tuple[str, list[str]]:
    """Replace e-mail addresses, card numbers and phone numbers; return text and flags."""
    flags: list[str] = []

    def card(m: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", m.group(0))
        if 13 <= len(digits) <= 19 and _luhn_ok(digits):
            flags.append("pii:card")
            return "[card]"
        return m.group(0)

    def phone(m: re.Match[str]) -> str:
        if len(re.sub(r"\D", "", m.group(0))) < 9:
            return m.group(0)  # "2026-02-14" or a score is not a phone number
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", m.group(0).strip()):
            return m.group(0)
        flags.append("pii:phone")
        return "[phone]"

    out, n = _EMAIL.subn("[email]", text)
    flags += ["pii:email"] * bool(n)
    out = _CARD.sub(card, out)
    out = _PHONE.sub(phone, out)
    return out, sorted(set(flags))


def scrub_private(text: str) -> str:
    """``text`` with card numbers, phone numbers and e-mail addresses replaced (what logs
    keep: the same scrubbing the moderator applies before the model)."""
    return scrub_pii(text)[0]
