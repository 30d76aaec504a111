"""Benchmarks (``make bench``; ``python -m bench.run``), writing JSON under ``bench/results/``."""

from __future__ import annotations

import os


def load_average() -> list[float]:
    """The machine's 1, 5 and 15 minute load averages, stored beside every figure."""
    return [round(x, 2) for x in os.getloadavg()]
