"""A table row of the knowledge base said as a sentence.

CSV rows and YAML records are indexed as one line of ``key: value`` pairs ("item: Pip plush
toy; price eur: 22; notes: 30 cm tall.", see :mod:`.documents`). Read out as it is, that is
data, not speech: :func:`say_row` makes it a sentence in the viewer's language, the first
value as its subject and a price as a price ("The Pip plush toy costs 22 euros, 30 cm tall.",
"Pip plush toy cuesta 22 euros.", "Pip plush toy售价22欧元。"). Prose that follows the
pairs (long text fields) is kept as it is.
"""

from __future__ import annotations

import re

_PAIR = re.compile(r"^([a-z][a-z0-9 ]{0,30}):\s*(\S.*)$", re.I)
_CURRENCY = {"eur": ("euros", "欧元"), "usd": ("dollars", "美元"), "gbp": ("pounds", "英镑")}
_QUIET_KEYS = frozenset({"notes", "note", "description", "details", "fact"})  # said without the key
_LEAD = {"es": "Según la información del programa, ", "zh": "节目资料里写着："}


def row_fields(text: str) -> tuple[list[tuple[str, str]], str] | None:
    """The ``(key, value)`` pairs of a rendered table row and the prose after them (None:
    ``text`` is not a row of two pairs or more)."""
    head, _, prose = text.strip().partition(". ")
    parts = head.rstrip(".").split("; ")
    pairs = []
    for part in parts:
        m = _PAIR.match(part.strip())
        if not m:
            return None
        pairs.append((m.group(1).strip().lower(), m.group(2).strip()))
    return (pairs, prose.strip()) if len(pairs) >= 2 else None


def price_of(pairs: list[tuple[str, str]]) -> tuple[str, str] | None:
    """(amount, currency key) of the row's price field ("price eur: 22" -> ("22", "eur"))."""
    for key, value in pairs:
        m = re.fullmatch(r"(?:price|cost|fee)(?:\s+(eur|usd|gbp))?", key)
        if m and re.fullmatch(r"\d[\d.,]*", value):
            return value, m.group(1) or "eur"
    return None


def say_row(text: str, lang: str = "en") -> str | None:
    """``text`` (a rendered row) as a sentence in ``lang`` (en/es/zh; None: not a row)."""
    found = row_fields(text)
    if found is None:
        return None
    pairs, prose = found
    subject = pairs[0][1]
    price = price_of(pairs)
    rest = [(k, v) for k, v in pairs[1:] if not re.match(r"(?:price|cost|fee)\b", k)]
    if lang in _LEAD:  # the values are English words: the subject and the price are what can be said
        if price:
            amount, cur = price
            unit_en, unit_zh = _CURRENCY.get(cur, ("euros", "欧元"))
            return (f"{subject}售价{amount}{unit_zh}。" if lang == "zh"
                    else f"{_LEAD['es']}{subject} cuesta {amount} {'euros' if cur == 'eur' else unit_en}.")
        values = "，".join(v for _, v in pairs) if lang == "zh" else ", ".join(v for _, v in pairs)
        return f"{_LEAD[lang]}{values}{'。' if lang == 'zh' else '.'}"
    head = f"The {subject}"  # "The Pip plush toy costs 22 euros"
    said = [f"costs {price[0]} {_CURRENCY.get(price[1], ('euros',))[0]}"] if price else []
    said += [v if k in _QUIET_KEYS else f"{k} {v}" for k, v in rest]
    sentence = f"{head} {said[0]}" if price else f"{subject}: {said[0]}" if said else subject
    if len(said) > 1:
        sentence += ", " + ", ".join(said[1:])
    sentence = sentence.rstrip(".") + "."
    return f"{sentence} {prose}".strip()
