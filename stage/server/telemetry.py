"""Metrics without extra dependencies: counters, gauges and histograms rendered in the
Prometheus text format (0.0.4), plus raw recent samples for percentiles."""

from __future__ import annotations

import math
import threading
from collections import defaultdict, deque
from collections.abc import Callable, Iterable

Labels = tuple[tuple[str, str], ...]
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, math.inf)


def _labels(labels: dict[str, str] | None) -> Labels:
    return tuple(sorted((labels or {}).items()))


def _fmt(labels: Labels, extra: tuple[tuple[str, str], ...] = ()) -> str:
    items = labels + extra
    if not items:
        return ""
    esc = [(k, v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n"))
           for k, v in items]
    return "{" + ",".join(f'{k}="{v}"' for k, v in esc) + "}"


def percentile(values: Iterable[float], q: float) -> float | None:
    """The ``q`` quantile (0..1) by linear interpolation; None for no values."""
    data = sorted(values)
    if not data:
        return None
    pos = (len(data) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


class Metrics:
    """A small thread-safe registry. Gauges may be callbacks evaluated at scrape time."""

    def __init__(self, keep_samples: int = 10_000) -> None:
        self._lock = threading.Lock()
        self._help: dict[str, tuple[str, str]] = {}
        self._counters: dict[str, dict[Labels, float]] = defaultdict(dict)
        self._gauges: dict[str, dict[Labels, float]] = defaultdict(dict)
        self._hist: dict[str, dict[Labels, list[float]]] = defaultdict(dict)
        self._samples: dict[tuple[str, Labels], deque[float]] = {}
        self._keep = keep_samples
        self.collectors: list[Callable[[Metrics], None]] = []

    def describe(self, name: str, kind: str, text: str) -> None:
        self._help[name] = (kind, text)

    def inc(self, name: str, labels: dict[str, str] | None = None, value: float = 1.0) -> None:
        key = _labels(labels)
        with self._lock:
            self._counters[name][key] = self._counters[name].get(key, 0.0) + value

    def set(self, name: str, value: float, labels: dict[str, str] | None = None) -> None:
        with self._lock:
            self._gauges[name][_labels(labels)] = float(value)

    def observe(self, name: str, value: float, labels: dict[str, str] | None = None) -> None:
        key = _labels(labels)
        with self._lock:
            counts = self._hist[name].setdefault(key, [0.0] * (len(BUCKETS) + 1))
            for i, bound in enumerate(BUCKETS):
                if value <= bound:
                    counts[i] += 1
            counts[-1] += value  # the sum rides in the last slot
            self._samples.setdefault((name, key), deque(maxlen=self._keep)).append(value)

    def samples(self, name: str, labels: dict[str, str] | None = None) -> list[float]:
        with self._lock:
            return list(self._samples.get((name, _labels(labels)), ()))

    def counter(self, name: str, labels: dict[str, str] | None = None) -> float:
        with self._lock:
            return self._counters[name].get(_labels(labels), 0.0)

    def render(self) -> str:
        """Everything in the Prometheus text exposition format."""
        for collect in list(self.collectors):
            collect(self)
        out: list[str] = []
        with self._lock:
            tables: list[tuple[str, dict[str, dict[Labels, float]]]] = [
                ("counter", self._counters), ("gauge", self._gauges)]
            for kind, table in tables:
                for name, series in sorted(table.items()):
                    out.append(f"# HELP {name} {self._help.get(name, (kind, name))[1]}")
                    out.append(f"# TYPE {name} {kind}")
                    out += [f"{name}{_fmt(k)} {v:g}" for k, v in sorted(series.items())]
            for hname, hseries in sorted(self._hist.items()):
                name = hname
                out.append(f"# HELP {name} {self._help.get(name, ('histogram', name))[1]}")
                out.append(f"# TYPE {name} histogram")
                for key, counts in sorted(hseries.items()):
                    for bound, count in zip(BUCKETS, counts, strict=False):
                        le = "+Inf" if math.isinf(bound) else f"{bound:g}"
                        out.append(f"{name}_bucket{_fmt(key, (('le', le),))} {count:g}")
                    out.append(f"{name}_sum{_fmt(key)} {counts[-1]:g}")
                    out.append(f"{name}_count{_fmt(key)} {counts[len(BUCKETS) - 1]:g}")
        return "\n".join(out) + "\n"


def _with_labels(sample: str, extra: dict[str, str]) -> str:
    """Add ``extra`` labels to one exposition sample line (``name{a="b"} 1``); a label
    the line already carries is kept as it is."""
    if not extra:
        return sample
    cut = next((i for i, ch in enumerate(sample) if ch in "{ "), len(sample))
    name, rest = sample[:cut], sample[cut:]
    inner = ""
    if rest.startswith("{") and "}" in rest:
        close = rest.rindex("}")
        inner, rest = rest[1:close], rest[close + 1:]
    have = {part.split("=", 1)[0].strip() for part in inner.split(",") if "=" in part}
    added = _fmt(_labels({k: v for k, v in extra.items() if k not in have}))[1:-1]
    joined = ",".join(p for p in (inner, added) if p)
    return f"{name}{{{joined}}}{rest}" if joined else f"{name}{rest}"


def merge_exposition(parts: Iterable[tuple[str, dict[str, str]]]) -> str:
    """Merge several Prometheus text expositions into one valid exposition: each
    family's ``HELP``/``TYPE`` once, all its samples together, and each part's samples
    tagged with its extra labels (e.g. ``{"show": "main"}`` for one performer's metrics).
    """
    order: list[str] = []
    meta: dict[str, list[str]] = {}
    samples: dict[str, list[str]] = {}
    family_of: dict[str, str] = {}
    for text, extra in parts:
        current = ""
        for line in text.splitlines():
            if not line.strip():
                continue
            if line.startswith("# "):
                bits = line.split(" ", 3)
                if len(bits) >= 3 and bits[1] in ("HELP", "TYPE"):
                    current = bits[2]
                    if current not in meta:
                        order.append(current)
                        meta[current], samples[current] = [], []
                    kinds = [m.split(" ", 3)[1] for m in meta[current]]
                    if bits[1] not in kinds:
                        meta[current].append(line)
                    if bits[1] == "TYPE" and len(bits) > 3 and bits[3] == "histogram":
                        for suffix in ("_bucket", "_sum", "_count"):
                            family_of[current + suffix] = current
                continue
            name = line.split("{", 1)[0].split(" ", 1)[0]
            family = family_of.get(name, name if name in meta else current or name)
            if family not in meta:
                order.append(family)
                meta[family], samples[family] = [], []
            samples[family].append(_with_labels(line, extra))
    out: list[str] = []
    for family in order:
        out += meta[family] + samples[family]
    return "\n".join(out) + "\n"
