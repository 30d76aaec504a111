"""Exact answers: arithmetic, units, the date and time, in English, Spanish and Chinese."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from vhuman.dialogue.calc import answer_arithmetic, answer_conversion, answer_when


def test_arithmetic_is_exact_and_follows_up() -> None:
    assert answer_arithmetic("what is 17 times 23?", "en") == ("17 times 23 is 391.", Fraction(391))
    assert answer_arithmetic("12乘以8等于多少？", "zh")[0] == "12乘以8等于96。"  # type: ignore[index]
    assert answer_arithmetic("¿Cuánto es 25 por 4?", "es")[0] == "25 por 4 es 100."  # type: ignore[index]
    assert answer_arithmetic("what's 2 plus 3 times 4?", "en")[1] == 14  # type: ignore[index]
    assert answer_arithmetic("and times 10?", "en", Fraction(7))[1] == 70  # type: ignore[index]
    assert "zero" in answer_arithmetic("what is 5 divided by 0?", "en")[0]  # type: ignore[index]
    assert answer_arithmetic("When is the 2026 final?", "en") is None
    assert answer_arithmetic("I was born on 2001-05-03, what is that?", "en") is None


def test_units_and_temperatures() -> None:
    assert answer_conversion("How many kilometres is 10 miles?", "en") == "10 miles is about 16.09 kilometres."
    assert "68" in (answer_conversion("What's 20 degrees Celsius in Fahrenheit?", "en") or "")
    assert answer_conversion("¿Cuántos kilómetros son 5 millas?", "es") == "5 millas son unos 8.05 kilómetros."
    assert answer_conversion("5 km in kg", "en") is None  # not the same kind of unit
    assert answer_conversion("How long is the slope?", "en") is None


def test_date_and_time_from_the_clock() -> None:
    now = dt.datetime(2026, 2, 15, 19, 5)
    assert answer_when("what day is it today?", "en", now) == "Today is Sunday, February 15."
    assert answer_when("¿Qué hora es?", "es", now) == "Aquí son las 19:05."
    assert answer_when("今天星期几", "zh", now) == "今天是2月15日，星期日。"
    assert answer_when("what a day!", "en", now) is None
