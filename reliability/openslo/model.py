"""The OpenSLO v1 vocabulary and the frozen dataclasses documents are parsed into.

Durations follow OpenSLO's shorthand: ``m`` minutes, ``h`` hours, ``d`` days, ``w`` weeks,
``M`` months, ``Q`` quarters, ``Y`` years (and ``s`` seconds for ``timeSliceWindow``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

API_VERSION = "openslo/v1"
KINDS = ("SLO", "SLI", "Service", "DataSource", "AlertPolicy", "AlertCondition", "AlertNotificationTarget")
BUDGETING_METHODS = ("Occurrences", "Timeslices", "RatioTimeslices")
OPS = {"lt": "<", "lte": "<=", "gt": ">", "gte": ">="}
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
CALENDAR_UNITS = ("d", "w", "M", "Q", "Y")
_DURATION = re.compile(r"^([1-9][0-9]*)([smhdwMQY])$")
_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$")


@dataclass(frozen=True)
class Duration:
    """An OpenSLO shorthand duration such as ``1M`` or ``28d``."""

    count: int
    unit: str

    def __str__(self) -> str:
        return f"{self.count}{self.unit}"

    @property
    def seconds(self) -> int | None:
        """Fixed length in seconds; None for calendar units (M, Q, Y) whose length varies."""
        per = UNIT_SECONDS.get(self.unit)
        return None if per is None else self.count * per

    @property
    def months(self) -> int | None:
        """Length in calendar months for M, Q, Y; None otherwise."""
        return {"M": 1, "Q": 3, "Y": 12}.get(self.unit, 0) * self.count or None


@dataclass(frozen=True)
class MetricSource:
    """Where a query runs: ``type`` (e.g. ``Prometheus``), its ``spec`` (e.g. ``{query: ...}``)
    and the name of a ``DataSource`` when given by ``metricSourceRef``."""

    type: str | None
    spec: Mapping[str, Any]
    ref: str | None = None

    @property
    def query(self) -> str | None:
        for key in ("query", "promql", "expr"):
            value = self.spec.get(key)
            if isinstance(value, str):
                return value
        return None


@dataclass(frozen=True)
class RatioMetric:
    counter: bool
    total: MetricSource
    good: MetricSource | None = None
    bad: MetricSource | None = None


@dataclass(frozen=True)
class RawMetric:
    """A precomputed ratio (``ratioMetric.raw``): ``raw_type`` ``success`` (good/total) or
    ``failure`` (bad/total). Accepted in SLI documents; SLOs here need event counts."""

    raw_type: str
    source: MetricSource


@dataclass(frozen=True)
class ThresholdMetric:
    source: MetricSource


@dataclass(frozen=True)
class Indicator:
    """The SLI; ``name`` is the *sli* half of the stored series key."""

    name: str
    display_name: str | None
    ratio: RatioMetric | None = None
    threshold: ThresholdMetric | None = None
    raw: RawMetric | None = None
    labels: tuple = ()  # the SLI document's metadata.labels (reliability.openslo.labels)

    @property
    def kind(self) -> str:
        if self.raw is not None:
            return "raw"
        return "ratio" if self.ratio is not None else "threshold"


@dataclass(frozen=True)
class Objective:
    """``target`` is a ratio (``targetPercent / 100``); ``time_slice_target`` a ratio too."""

    name: str | None
    target: float
    time_slice_target: float | None = None
    op: str | None = None
    value: float | None = None


@dataclass(frozen=True)
class TimeWindow:
    duration: Duration
    is_rolling: bool
    calendar_start: datetime | None
    time_zone: str


@dataclass(frozen=True)
class SLO:
    name: str
    display_name: str | None
    description: str | None
    service: str
    indicator: Indicator
    window: TimeWindow
    budgeting_method: str
    objectives: tuple[Objective, ...]
    time_slice_window_seconds: int | None
    alert_policies: tuple[str, ...] = field(default=())
    # Effective metadata.labels, ((key, (value, ...)), ...): the Service's, overridden key by key
    # by the SLI's, then by the SLO's own (reliability.openslo.labels); slos.load adds the
    # Service's, parse_slo the SLI's and the SLO's.
    labels: tuple = ()
    # Per-instance SLOs (reliability.instances): the grouping labels the definition declares
    # (sorted), and for one instance of it, its ((label, value), ...). An instance's name is
    # its address, api-gateway-availability{customer="acme"}.
    group_by: tuple[str, ...] = ()
    instance: tuple[tuple[str, str], ...] = ()

    @property
    def sli(self) -> str:
        """The *sli* half of the stored series key: the indicator's name, followed for an
        instance by its selector (``availability{customer="acme"}``)."""
        if self.instance:
            from reliability.instances import series_key

            return series_key(self.indicator.name, self.instance)
        return self.indicator.name

    def label_values(self, key: str) -> tuple[str, ...]:
        """The values of label ``key`` (empty when the SLO does not carry it)."""
        return dict(self.labels).get(key, ())

    @property
    def base_name(self) -> str:
        """The definition's name (an instance's name without its selector)."""
        return self.name.partition("{")[0] if self.instance else self.name


@dataclass(frozen=True)
class Document:
    """One YAML document: its kind and name, the mapping, and where it came from."""

    kind: str
    name: str
    body: Mapping[str, Any]
    file: str
    index: int
    text: str
