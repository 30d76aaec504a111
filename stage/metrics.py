"""Metrics on ``prometheus_client``: one :class:`Metrics` front per registry.

The live performer and its outputs record fps, dropped frames per output, queue depths,
per-stage latencies and reconnects; the server records chat/Q&A/HTTP latencies and show
gauges. Each :class:`Metrics` owns one ``CollectorRegistry`` (never the global default,
so several apps and performers can live in one process) and creates the
``prometheus_client`` Counter/Gauge/Histogram for a name on first use, with the label
names of that first use. ``/metrics`` renders the server's registry with
``generate_latest``; each performer's registry joins it through :class:`LabelledCollector`
(its series labelled ``show``). Thread-safe: prometheus_client metrics are.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.metrics_core import Metric

from vhuman.models.types import InputError

log = logging.getLogger(__name__)
disable_created_metrics()  # no *_created series: nobody reads them

_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
DEFAULT_BUCKETS: tuple[float, ...] = (0.005, 0.01, 0.02, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0,
                                      2.5, 5.0)
"""Latency buckets in seconds (the 0.15 s interrupt goal is one of the edges)."""

_KINDS = {"counter": Counter, "gauge": Gauge, "histogram": Histogram}


class Metrics:
    """Named metric families on one registry; each value keyed by a label set.

    ``prefix`` is prepended to every name (the live side writes ``live_ticks_total`` and
    exposes ``vhuman_live_ticks_total``); the server passes ``prefix=""``.
    """

    def __init__(self, prefix: str = "vhuman_", registry: CollectorRegistry | None = None,
                 keep_samples: int = 10_000) -> None:
        self.prefix = prefix
        self.registry = registry or CollectorRegistry()
        self._lock = threading.Lock()
        self._metrics: dict[str, tuple[str, Any, tuple[str, ...]]] = {}
        self._help: dict[str, str] = {}
        self._last: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
        self._samples: dict[tuple[str, tuple[tuple[str, str], ...]], deque[float]] = {}
        self._keep = keep_samples

    def describe(self, name: str, kind: str, text: str) -> None:
        """Help text for ``name`` (used when the metric is first created)."""
        del kind
        self._help.setdefault(name, text)

    def _child(self, name: str, kind: str, labels: dict[str, str] | None, help_: str,
               buckets: Sequence[float] = DEFAULT_BUCKETS) -> Any:
        if not _NAME.match(name):
            raise InputError(f"metric name {name!r} is not a valid Prometheus name")
        labels = {k: str(v) for k, v in (labels or {}).items()}
        with self._lock:
            entry = self._metrics.get(name)
            if entry is None:
                names = tuple(sorted(labels))
                text = help_ or self._help.get(name) or name
                full = self.prefix + name
                kwargs: dict[str, Any] = {"registry": self.registry}
                if kind == "histogram":
                    kwargs["buckets"] = tuple(buckets)
                entry = (kind, _KINDS[kind](full, text, names, **kwargs), names)
                self._metrics[name] = entry
        known, metric, names = entry
        if known != kind:
            raise InputError(f"metric {name!r} is a {known}, not a {kind}")
        if not names:
            return metric
        if set(labels) != set(names):
            log.debug("metric %s: labels %s, expected %s", name, sorted(labels), names)
        return metric.labels(**{n: labels.get(n, "") for n in names})

    def inc(self, name: str, amount: float = 1.0, labels: dict[str, str] | None = None,
            help: str = "") -> None:  # noqa: A002 - Prometheus vocabulary
        """Add ``amount`` to a counter."""
        self._child(name, "counter", labels, help).inc(amount)

    def set(self, name: str, value: float, labels: dict[str, str] | None = None,
            help: str = "") -> None:  # noqa: A002
        """Set a gauge."""
        self._child(name, "gauge", labels, help).set(float(value))

    def observe(self, name: str, value: float, labels: dict[str, str] | None = None,
                help: str = "", buckets: Sequence[float] = DEFAULT_BUCKETS) -> None:  # noqa: A002
        """Record one sample in a histogram (seconds for latencies); the recent samples
        are kept too, for percentiles (:meth:`samples`)."""
        self._child(name, "histogram", labels, help, buckets).observe(float(value))
        key = (name, tuple(sorted((k, str(v)) for k, v in (labels or {}).items())))
        with self._lock:
            self._last[key] = float(value)
            self._samples.setdefault(key, deque(maxlen=self._keep)).append(float(value))

    def samples(self, name: str, labels: dict[str, str] | None = None) -> list[float]:
        """The recent raw samples of a histogram series."""
        key = (name, tuple(sorted((k, str(v)) for k, v in (labels or {}).items())))
        with self._lock:
            return list(self._samples.get(key, ()))

    def value(self, name: str, labels: dict[str, str] | None = None) -> float:
        """Current value of a counter/gauge (a histogram's last sample); 0 when unset."""
        entry = self._metrics.get(name)
        if entry is None:
            return 0.0
        kind = entry[0]
        if kind == "histogram":
            key = (name, tuple(sorted((k, str(v)) for k, v in (labels or {}).items())))
            return self._last.get(key, 0.0)
        full = self.prefix + name
        sample = full if kind == "gauge" or full.endswith("_total") else full + "_total"
        got = self.registry.get_sample_value(sample, {k: str(v) for k, v in
                                                      (labels or {}).items()})
        return float(got) if got is not None else 0.0

    counter = value

    def snapshot(self) -> dict[str, Any]:
        """JSON-able view: ``{name: value}`` or ``{name: {"k=v,...": value}}`` with labels;
        histograms give count, sum, mean and last."""
        out: dict[str, Any] = {}
        for name, (_, metric, _) in list(self._metrics.items()):
            family = metric.collect()[0]
            view: dict[str, Any] = {}
            for s in family.samples:
                labels = {k: v for k, v in s.labels.items() if k != "le"}
                key = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
                if family.type == "histogram":
                    slot = view.setdefault(key, {"count": 0, "sum": 0.0})
                    if s.name.endswith("_count"):
                        slot["count"] = int(s.value)
                    elif s.name.endswith("_sum"):
                        slot["sum"] = s.value
                elif not s.name.endswith("_created"):
                    view[key] = s.value
            if family.type == "histogram":
                for key, slot in view.items():
                    lk = (name, tuple(tuple(p.split("=", 1)) for p in key.split(",") if p))
                    slot["last"] = self._last.get(lk, math.nan)  # type: ignore[arg-type]
                    slot["mean"] = slot["sum"] / slot["count"] if slot["count"] else None
            out[name] = view[""] if list(view) == [""] else view
        return out

    def prometheus(self) -> str:
        """The registry in Prometheus text exposition format."""
        return generate_latest(self.registry).decode()

    render = prometheus


class LabelledCollector:
    """Joins other registries into one: every sample gets ``extra`` labels (e.g.
    ``show="main"``), families of the same name are merged. ``sources`` is read at each
    scrape, so shows that come and go are followed."""

    def __init__(self, sources: Callable[[], Iterable[tuple[CollectorRegistry,
                                                             dict[str, str]]]]) -> None:
        self._sources = sources

    def collect(self) -> Iterable[Metric]:
        merged: dict[str, Metric] = {}
        for registry, extra in list(self._sources()):
            for family in registry.collect():
                out = merged.get(family.name)
                if out is None:
                    out = merged[family.name] = Metric(family.name, family.documentation,
                                                       family.type, family.unit)
                for s in family.samples:
                    labels = {**extra, **s.labels}
                    out.add_sample(s.name, labels, s.value, s.timestamp, s.exemplar)
        return list(merged.values())
