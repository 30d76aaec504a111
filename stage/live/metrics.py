"""A tiny metrics registry (counters, gauges, histograms) with a Prometheus text renderer.

The live performer and its outputs record fps, dropped frames per output, queue depths,
per-stage latencies and reconnects here; the server exposes :meth:`Metrics.prometheus`
at ``/metrics`` and :meth:`Metrics.snapshot` in JSON status. Thread-safe: the clock,
render and output threads all write to it.
"""

from __future__ import annotations

import bisect
import math
import re
import threading
from collections.abc import Sequence
from typing import Any

from models.types import InputError

_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
DEFAULT_BUCKETS: tuple[float, ...] = (0.005, 0.01, 0.02, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0,
                                      2.5, 5.0)
"""Latency buckets in seconds (the 0.15 s interrupt goal is one of the edges)."""

LabelKey = tuple[tuple[str, str], ...]


def _key(labels: dict[str, str] | None) -> LabelKey:
    return tuple(sorted((k, str(v)) for k, v in (labels or {}).items()))


def _fmt_labels(key: LabelKey, extra: tuple[tuple[str, str], ...] = ()) -> str:
    items = key + extra
    if not items:
        return ""
    body = ",".join(f'{k}="{v.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
                    for k, v in items)
    return "{" + body + "}"


class _Histogram:
    def __init__(self, buckets: Sequence[float]) -> None:
        self.buckets = tuple(sorted(buckets))
        self.counts = [0] * (len(self.buckets) + 1)
        self.sum = 0.0
        self.count = 0
        self.last = math.nan

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.buckets, value)] += 1
        self.sum += value
        self.count += 1
        self.last = value


class Metrics:
    """Named metric families; each value is keyed by a label set (e.g. ``output="rtmp"``)."""

    def __init__(self, prefix: str = "vhuman_") -> None:
        self.prefix = prefix
        self._lock = threading.Lock()
        self._kinds: dict[str, str] = {}
        self._help: dict[str, str] = {}
        self._values: dict[str, dict[LabelKey, Any]] = {}

    def _family(self, name: str, kind: str, help_: str) -> dict[LabelKey, Any]:
        if not _NAME.match(name):
            raise InputError(f"metric name {name!r} is not a valid Prometheus name")
        known = self._kinds.setdefault(name, kind)
        if known != kind:
            raise InputError(f"metric {name!r} is a {known}, not a {kind}")
        if help_:
            self._help.setdefault(name, help_)
        return self._values.setdefault(name, {})

    def inc(self, name: str, amount: float = 1.0, labels: dict[str, str] | None = None,
            help: str = "") -> None:  # noqa: A002 - Prometheus vocabulary
        """Add ``amount`` to a counter."""
        with self._lock:
            fam = self._family(name, "counter", help)
            key = _key(labels)
            fam[key] = fam.get(key, 0.0) + amount

    def set(self, name: str, value: float, labels: dict[str, str] | None = None,
            help: str = "") -> None:  # noqa: A002
        """Set a gauge."""
        with self._lock:
            self._family(name, "gauge", help)[_key(labels)] = float(value)

    def observe(self, name: str, value: float, labels: dict[str, str] | None = None,
                help: str = "", buckets: Sequence[float] = DEFAULT_BUCKETS) -> None:  # noqa: A002
        """Record one sample in a histogram (seconds for latencies)."""
        with self._lock:
            fam = self._family(name, "histogram", help)
            key = _key(labels)
            hist = fam.get(key)
            if hist is None:
                hist = fam[key] = _Histogram(buckets)
            hist.observe(float(value))

    def value(self, name: str, labels: dict[str, str] | None = None) -> float:
        """Current value of a counter/gauge (a histogram's last sample); 0 when unset."""
        with self._lock:
            entry = self._values.get(name, {}).get(_key(labels))
        if entry is None:
            return 0.0
        return entry.last if isinstance(entry, _Histogram) else float(entry)

    def snapshot(self) -> dict[str, Any]:
        """JSON-able view: ``{name: value}`` or ``{name: {"k=v,...": value}}`` with labels;
        histograms give count, sum, mean and last."""
        out: dict[str, Any] = {}
        with self._lock:
            for name, fam in self._values.items():
                view: dict[str, Any] = {}
                for key, entry in fam.items():
                    if isinstance(entry, _Histogram):
                        entry = {"count": entry.count, "sum": entry.sum, "last": entry.last,
                                 "mean": entry.sum / entry.count if entry.count else None}
                    view[",".join(f"{k}={v}" for k, v in key)] = entry
                out[name] = view[""] if list(view) == [""] else view
        return out

    def prometheus(self) -> str:
        """The registry in Prometheus text exposition format (version 0.0.4)."""
        lines: list[str] = []
        with self._lock:
            for name in sorted(self._values):
                full = self.prefix + name
                kind = self._kinds[name]
                if name in self._help:
                    lines.append(f"# HELP {full} {self._help[name]}")
                lines.append(f"# TYPE {full} {kind}")
                for key, entry in sorted(self._values[name].items()):
                    if isinstance(entry, _Histogram):
                        running = 0
                        for edge, count in zip(entry.buckets, entry.counts, strict=False):
                            running += count
                            lines.append(f"{full}_bucket{_fmt_labels(key, (('le', repr(edge)),))}"
                                         f" {running}")
                        lines.append(f"{full}_bucket{_fmt_labels(key, (('le', '+Inf'),))}"
                                     f" {entry.count}")
                        lines.append(f"{full}_sum{_fmt_labels(key)} {entry.sum!r}")
                        lines.append(f"{full}_count{_fmt_labels(key)} {entry.count}")
                    else:
                        lines.append(f"{full}{_fmt_labels(key)} {float(entry)!r}")
        return "\n".join(lines) + "\n"
