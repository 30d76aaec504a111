"""Exact answers a host must never guess: arithmetic, unit conversions, the date and time.

Each ``answer_*`` function reads a viewer message in English, Spanish or Chinese and
returns the spoken answer in that language, or None when the message is not such a
question. Arithmetic is exact (fractions, no ``eval``); a follow-up ("and times 10?")
continues from the last result.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from fractions import Fraction

_NUM = r"-?\d+(?:[.,]\d+)?"
_OPS: dict[str, tuple[str, ...]] = {
    "+": ("+", "plus", "add", "added to", "más", "mas", "加", "加上"),
    "-": ("-", "−", "minus", "take away", "menos", "减", "减去"),
    "*": ("*", "x", "×", "times", "multiplied by", "por", "乘", "乘以"),
    "/": ("/", "÷", "divided by", "over", "entre", "dividido por", "dividido entre", "除以"),
}
_FUNCS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}
_OP_WORD = "|".join(sorted((re.escape(w) for ws in _OPS.values() for w in ws), key=len, reverse=True))
_EXPR = re.compile(rf"({_NUM})\s*((?:{_OP_WORD})\s*{_NUM}(?:\s*(?:{_OP_WORD})\s*{_NUM})*)", re.I)
_FOLLOW = re.compile(rf"^\W*(?:and|y|再)?\s*(?:{_OP_WORD})\s*({_NUM})\s*\W*$", re.I)
_CUE = re.compile(r"\b(what'?s|what is|how much|calculate|cu[áa]nto|cu[áa]nta|es)\b|多少|等于|是几|[?？=]", re.I)


def _number(token: str) -> Fraction:
    return Fraction(token.replace(",", "."))


def _op(word: str) -> str:
    w = word.lower().strip()
    return next(sym for sym, words in _OPS.items() if w in words)


def _say(value: Fraction) -> str:
    if value.denominator == 1:
        return f"{value.numerator:,}".replace(",", " ") if abs(value) >= 10000 else str(value.numerator)
    text = f"{float(value):.4f}".rstrip("0").rstrip(".")
    return text


def _evaluate(first: str, rest: str) -> Fraction | None:
    """Left-to-right with * and / before + and - (school order)."""
    parts = re.findall(rf"({_OP_WORD})\s*({_NUM})", rest, re.I)
    terms: list[Fraction] = [_number(first)]
    ops: list[str] = []
    for word, num in parts:
        sym, value = _op(word), _number(num)
        if sym in "*/":
            if sym == "/" and value == 0:
                return None
            terms[-1] = _FUNCS[sym](terms[-1], value)
        else:
            ops.append(sym)
            terms.append(value)
    total = terms[0]
    for sym, value in zip(ops, terms[1:], strict=True):
        total = _FUNCS[sym](total, value)
    return total


_ARITH_LINES = {"en": "{expr} is {value}.", "es": "{expr} es {value}.", "zh": "{expr}等于{value}。"}
_ZERO = {"en": "Dividing by zero? Even I can't do that one!",
         "es": "¿Dividir entre cero? ¡Eso no lo puede nadie!", "zh": "除以零？这个谁也算不出来！"}


def answer_arithmetic(text: str, lang: str, last: Fraction | None = None) -> tuple[str, Fraction] | None:
    """``("17 times 23 is 391.", 391)`` for an arithmetic question, else None."""
    follow = _FOLLOW.match(text)
    if follow and last is not None:
        sym_word = re.search(_OP_WORD, text, re.I)
        assert sym_word is not None
        expr_first, rest = _say(last), f"{sym_word.group(0)} {follow.group(1)}"
    else:
        m = _EXPR.search(text)
        if not m or not (_CUE.search(text) or text.strip() == m.group(0)):
            return None
        if re.search(r"\d\s*-\s*\d", m.group(0)) and re.search(r"\d{4}-\d{2}", text):
            return None  # a date, not a subtraction
        expr_first, rest = m.group(1), m.group(2)
    value = _evaluate(expr_first, rest)
    if value is None:
        return _ZERO.get(lang, _ZERO["en"]), Fraction(0)
    words = re.findall(rf"({_OP_WORD})\s*({_NUM})", rest, re.I)
    expr = expr_first + "".join(f" {w.strip()} {n}" if not re.match(r"[\u4e00-\u9fff]", w) else f"{w}{n}"
                                for w, n in words)
    if lang == "zh":
        expr = expr.replace(" ", "")
    line = _ARITH_LINES.get(lang, _ARITH_LINES["en"]).format(expr=expr, value=_say(value))
    return line, value


# name: (aliases, factor to the base unit, base); temperatures are handled apart.
_UNITS: dict[str, tuple[tuple[str, ...], float, str]] = {
    "kilometres": (("km", "kilometer", "kilometers", "kilometre", "kilometres", "kilómetro",
                    "kilómetros", "公里", "千米"), 1000.0, "m"),
    "miles": (("mile", "miles", "milla", "millas", "英里"), 1609.344, "m"),
    "metres": (("m", "meter", "meters", "metre", "metres", "metro", "metros", "米"), 1.0, "m"),
    "feet": (("ft", "foot", "feet", "pie", "pies", "英尺"), 0.3048, "m"),
    "centimetres": (("cm", "centimeter", "centimeters", "centimetre", "centimetres", "centímetro",
                     "centímetros", "厘米"), 0.01, "m"),
    "inches": (("inch", "inches", "pulgada", "pulgadas", "英寸"), 0.0254, "m"),
    "kilograms": (("kg", "kilo", "kilos", "kilogram", "kilograms", "kilogramo", "kilogramos",
                   "公斤", "千克"), 1.0, "kg"),
    "pounds": (("lb", "lbs", "pound", "pounds", "libra", "libras", "磅"), 0.45359237, "kg"),
}
_UNIT_NAMES = {
    "es": {"kilometres": "kilómetros", "miles": "millas", "metres": "metros", "feet": "pies",
           "centimetres": "centímetros", "inches": "pulgadas", "kilograms": "kilos", "pounds": "libras"},
    "zh": {"kilometres": "公里", "miles": "英里", "metres": "米", "feet": "英尺", "centimetres": "厘米",
           "inches": "英寸", "kilograms": "公斤", "pounds": "磅"},
}
_ALIAS = {a: name for name, (aliases, _, _) in _UNITS.items() for a in aliases}
_UNIT_WORD = "|".join(sorted(map(re.escape, _ALIAS), key=len, reverse=True))
_TEMP = re.compile(rf"({_NUM})\s*(?:°|degrees?|grados?|度)?\s*(celsius|fahrenheit|°?c\b|°?f\b|摄氏|华氏)"
                   r".*?(celsius|fahrenheit|°?c\b|°?f\b|摄氏|华氏)", re.I)
_CONVERT = re.compile(rf"({_NUM})\s*({_UNIT_WORD})(?![a-z]).*?({_UNIT_WORD})(?![a-z])", re.I)
_CONVERT_REV = re.compile(rf"(?:how many|cu[áa]nt[oa]s)\s+({_UNIT_WORD})\s+(?:is|are|in|son|hay en|es|en)\s+"
                          rf"({_NUM})\s*({_UNIT_WORD})(?![a-z])", re.I)
_CONV_LINES = {"en": "{a} {ua} is about {b} {ub}.", "es": "{a} {ua} son unos {b} {ub}.",
               "zh": "{a}{ua}大约是{b}{ub}。"}


def _fmt(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".") if abs(x) < 1000 else f"{x:,.0f}"


def _unit_name(name: str, lang: str) -> str:
    return _UNIT_NAMES.get(lang, {}).get(name, name)


def answer_conversion(text: str, lang: str) -> str | None:
    """"10 miles in km" -> "10 miles is about 16.09 kilometres." (None: not a conversion)."""
    t = _TEMP.search(text)
    if t:
        degrees, src, dst = float(t.group(1).replace(",", ".")), t.group(2).lower(), t.group(3).lower()
        to_f = ("c" in src or "摄" in src) and ("f" in dst or "华" in dst)
        to_c = ("f" in src or "华" in src) and ("c" in dst or "摄" in dst)
        if to_f or to_c:
            out = degrees * 9 / 5 + 32 if to_f else (degrees - 32) * 5 / 9
            names = {"en": ("degrees Celsius", "degrees Fahrenheit"), "es": ("grados Celsius", "grados Fahrenheit"),
                     "zh": ("摄氏度", "华氏度")}.get(lang, ("degrees Celsius", "degrees Fahrenheit"))
            ua, ub = (names[0], names[1]) if to_f else (names[1], names[0])
            return _CONV_LINES.get(lang, _CONV_LINES["en"]).format(a=_fmt(degrees), ua=ua, b=_fmt(out), ub=ub)
    m = _CONVERT_REV.search(text)
    if m:
        dst, value, src = m.group(1), m.group(2), m.group(3)
    else:
        m = _CONVERT.search(text)
        if not m:
            return None
        value, src, dst = m.group(1), m.group(2), m.group(3)
    a, b = _ALIAS[src.lower()], _ALIAS[dst.lower()]
    if a == b or _UNITS[a][2] != _UNITS[b][2]:
        return None
    amount = float(value.replace(",", "."))
    out = amount * _UNITS[a][1] / _UNITS[b][1]
    return _CONV_LINES.get(lang, _CONV_LINES["en"]).format(
        a=_fmt(amount), ua=_unit_name(a, lang), b=_fmt(out), ub=_unit_name(b, lang))


_WHEN = {
    "day": re.compile(r"\bwhat day is (it|today)\b|\bwhat'?s today\b|\bqu[ée] d[íi]a es hoy\b|今天(是)?星期几|今天(是)?礼拜几", re.I),
    "date": re.compile(r"\bwhat'?s (the|today'?s) date\b|\bwhat is (the|today'?s) date\b|\bqu[ée] fecha es\b|"
                       r"今天(是)?几[月号]|今天几号", re.I),
    "time": re.compile(r"\bwhat time is it\b|\bwhat'?s the time\b|\bqu[ée] hora es\b|现在几点", re.I),
}
_DAYS = {"en": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split(),
         "es": "lunes martes miércoles jueves viernes sábado domingo".split(),
         "zh": "星期一 星期二 星期三 星期四 星期五 星期六 星期日".split()}
_MONTHS = {"en": "January February March April May June July August September October November December".split(),
           "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre".split()}


def answer_when(text: str, lang: str, now: dt.datetime | None = None) -> str | None:
    """Today's weekday, date or the time on the show's clock (None: not asked)."""
    now = now or dt.datetime.now()
    lang = lang if lang in _DAYS else "en"
    day = _DAYS[lang][now.weekday()]
    if _WHEN["time"].search(text):
        clock = now.strftime("%H:%M")
        return {"en": f"It's {clock} here on the show.", "es": f"Aquí son las {clock}.",
                "zh": f"现在是{clock}。"}[lang]
    if _WHEN["date"].search(text) or _WHEN["day"].search(text):
        if lang == "zh":
            return f"今天是{now.month}月{now.day}日，{day}。"
        if lang == "es":
            return f"Hoy es {day}, {now.day} de {_MONTHS['es'][now.month - 1]}."
        return f"Today is {day}, {_MONTHS['en'][now.month - 1]} {now.day}."
    return None
