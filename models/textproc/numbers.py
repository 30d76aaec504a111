"""English number words: cardinals, ordinals, years, decimals and money amounts.

A small self-contained speller so the voice never reads "1999" digit by digit and no extra
dependency is needed. Covers the range a live host says aloud (|n| < 10**15).
"""

from __future__ import annotations

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (1000, "thousand"))
_ORDINAL_IRREGULAR = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}
_MAX = 10**15


def _below_thousand(n: int) -> str:
    words: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        words.append(f"{_ONES[hundreds]} hundred")
    if rest:
        if rest < 20:
            words.append(_ONES[rest])
        else:
            tens, ones = divmod(rest, 10)
            words.append(_TENS[tens] + (f"-{_ONES[ones]}" if ones else ""))
    return " ".join(words)


def cardinal(n: int) -> str:
    """Spell an integer: ``cardinal(2024) == "two thousand twenty-four"``."""
    if n < 0:
        return "minus " + cardinal(-n)
    if n >= _MAX:
        return " ".join(_ONES[int(d)] for d in str(n))  # absurdly large: read the digits
    if n == 0:
        return "zero"
    words: list[str] = []
    for scale, name in _SCALES:
        count, n = divmod(n, scale)
        if count:
            words.append(f"{_below_thousand(count)} {name}")
    if n:
        words.append(_below_thousand(n))
    return " ".join(words)


def ordinal(n: int) -> str:
    """Spell an ordinal: ``ordinal(21) == "twenty-first"``."""
    words = cardinal(n)
    head, sep, last = words.rpartition(" ")
    prefix, dash, unit = last.rpartition("-")
    if unit in _ORDINAL_IRREGULAR:
        unit = _ORDINAL_IRREGULAR[unit]
    elif unit.endswith("y"):
        unit = unit[:-1] + "ieth"
    else:
        unit += "th"
    return f"{head}{sep}{prefix}{dash}{unit}"


def year(n: int) -> str:
    """Spell a year the way people say it: 1999 → "nineteen ninety-nine", 2005 → "two thousand five"."""
    if 1100 <= n <= 9999 and not (2000 <= n <= 2009) and n % 1000 != 0:
        high, low = divmod(n, 100)
        if low == 0:
            return f"{cardinal(high)} hundred"
        return f"{cardinal(high)} {'oh ' if low < 10 else ''}{cardinal(low)}"
    return cardinal(n)


def digits(text: str) -> str:
    """Read a string of digits one by one ("007" → "zero zero seven")."""
    return " ".join(_ONES[int(c)] for c in text if c.isdigit())


def decimal(text: str) -> str:
    """Spell a decimal number given as text ("3.14" → "three point one four")."""
    negative = text.startswith("-")
    body = text.lstrip("+-").replace(",", "")
    whole, _, frac = body.partition(".")
    words = cardinal(int(whole or "0"))
    if frac:
        words += " point " + digits(frac)
    return ("minus " if negative else "") + words


_CURRENCIES = {
    "$": ("dollar", "dollars", "cent", "cents"),
    "€": ("euro", "euros", "cent", "cents"),
    "£": ("pound", "pounds", "penny", "pence"),
    "¥": ("yen", "yen", "", ""),
}


def money(symbol: str, amount: str, scale_word: str = "") -> str:
    """Spell an amount of money: ``money("$", "3.50") == "three dollars and fifty cents"``."""
    one, many, sub_one, sub_many = _CURRENCIES.get(symbol, ("", "", "", ""))
    body = amount.replace(",", "")
    whole_text, _, frac_text = body.partition(".")
    whole = int(whole_text or "0")
    if scale_word:  # "$3.5 million" → "three point five million dollars"
        return f"{decimal(body)} {scale_word} {many}".strip()
    words = f"{cardinal(whole)} {one if whole == 1 else many}".strip()
    if frac_text and sub_one:
        cents = int((frac_text + "00")[:2])
        if cents:
            cent_words = f"{cardinal(cents)} {sub_one if cents == 1 else sub_many}"
            words = cent_words if whole == 0 else f"{words} and {cent_words}"
    return words
