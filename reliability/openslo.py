"""OpenSLO v1 documents parsed once into frozen dataclasses, with precise validation errors.

Every error names the file, the document (1-based within a multi-document YAML file), the
field path (``spec.objectives[0].target``) and what was expected. Durations follow OpenSLO's
shorthand: ``m`` minutes, ``h`` hours, ``d`` days, ``w`` weeks, ``M`` months, ``Q`` quarters,
``Y`` years (and ``s`` seconds for ``timeSliceWindow``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from reliability.errors import BadInput

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
class ThresholdMetric:
    source: MetricSource


@dataclass(frozen=True)
class Indicator:
    """The SLI; ``name`` is the *sli* half of the stored series key."""

    name: str
    display_name: str | None
    ratio: RatioMetric | None = None
    threshold: ThresholdMetric | None = None

    @property
    def kind(self) -> str:
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

    @property
    def sli(self) -> str:
        return self.indicator.name


@dataclass(frozen=True)
class Document:
    """One YAML document: its kind and name, the mapping, and where it came from."""

    kind: str
    name: str
    body: Mapping[str, Any]
    file: str
    index: int
    text: str


class _Where:
    """Builds BadInput errors that name the file, document and field path."""

    def __init__(self, file: str, index: int | None) -> None:
        self.file, self.index = file, index

    def fail(self, path: str, message: str) -> BadInput:
        return BadInput(message, file=self.file, document=self.index, field=path)


def _get(where: _Where, obj: Mapping, path: str, key: str, kind: type | tuple, required: bool = True):
    value = obj.get(key) if isinstance(obj, Mapping) else None
    full = f"{path}.{key}" if path else key
    if value is None:
        if required:
            raise where.fail(full, f"is required ({_kind_name(kind)})")
        return None
    if kind is float:
        kind = (int, float)
    if isinstance(value, bool) and kind is not bool and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise where.fail(full, f"expected {_kind_name(kind)}, got {value!r}")
    if not isinstance(value, kind):
        raise where.fail(full, f"expected {_kind_name(kind)}, got {type(value).__name__} {value!r}")
    return value


def _kind_name(kind) -> str:
    names = {str: "a string", bool: "true or false", dict: "a mapping", list: "a list", int: "an integer"}
    if isinstance(kind, tuple):
        if set(kind) == {int, float}:
            return "a number"
        return " or ".join(names.get(k, k.__name__) for k in kind)
    if kind is float:
        return "a number"
    return names.get(kind, kind.__name__)


def parse_duration(where: _Where, path: str, text: Any) -> Duration:
    if not isinstance(text, str) or not _DURATION.match(text):
        raise where.fail(
            path, f"expected a duration such as 1M, 1Q, 1w, 28d, 1h or 5m (m = minutes, M = months), got {text!r}"
        )
    m = _DURATION.match(text)
    return Duration(int(m.group(1)), m.group(2))


def _ratio(where: _Where, path: str, value: Any, *, low_open: bool, high_open: bool, scale: int = 1) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise where.fail(path, f"expected a number, got {value!r}")
    low_ok = value > 0 if low_open else value >= 0
    high_ok = value < scale if high_open else value <= scale
    if not (low_ok and high_ok):
        lo = "(0" if low_open else "[0"
        hi = f"{scale})" if high_open else f"{scale}]"
        raise where.fail(path, f"expected a number in {lo}, {hi}, got {value!r}")
    if scale == 1:
        return float(value)
    # 99.9 / 100 in binary floating point is 0.9990000000000001; go through decimal.
    return float(Decimal(repr(value)) / Decimal(scale))


def _metric_source(where: _Where, path: str, obj: Any, datasources: Mapping[str, Mapping]) -> MetricSource:
    if not isinstance(obj, Mapping):
        raise where.fail(path, f"expected a mapping with metricSource, got {obj!r}")
    src = _get(where, obj, path, "metricSource", dict)
    spath = f"{path}.metricSource"
    ref = _get(where, src, spath, "metricSourceRef", str, required=False)
    kind = _get(where, src, spath, "type", str, required=ref is None)
    if ref is not None and kind is None:
        ds = datasources.get(ref)
        if ds is None:
            raise where.fail(f"{spath}.metricSourceRef", f"no DataSource named {ref!r} is defined or applied")
        kind = ds.get("spec", {}).get("type")
    spec = _get(where, src, spath, "spec", dict)
    return MetricSource(type=kind, spec=dict(spec), ref=ref)


def parse_indicator(where: _Where, path: str, doc: Mapping, datasources: Mapping[str, Mapping]) -> Indicator:
    meta = _get(where, doc, path, "metadata", dict)
    mpath = f"{path}.metadata" if path else "metadata"
    name = _name(where, mpath, meta)
    spec = _get(where, doc, path, "spec", dict)
    spath = f"{path}.spec" if path else "spec"
    has_ratio, has_threshold = "ratioMetric" in spec, "thresholdMetric" in spec
    if has_ratio == has_threshold:
        raise where.fail(spath, "expected exactly one of ratioMetric or thresholdMetric")
    if has_threshold:
        tm = _get(where, spec, spath, "thresholdMetric", dict)
        source = _metric_source(where, f"{spath}.thresholdMetric", {"metricSource": tm.get("metricSource")}, datasources)
        return Indicator(name, meta.get("displayName"), threshold=ThresholdMetric(source))
    rpath = f"{spath}.ratioMetric"
    rm = _get(where, spec, spath, "ratioMetric", dict)
    counter = _get(where, rm, rpath, "counter", bool)
    if "raw" in rm:
        raise where.fail(f"{rpath}.raw", "raw ratio metrics are not supported; use good/total or bad/total")
    if ("good" in rm) == ("bad" in rm):
        raise where.fail(rpath, "expected exactly one of good or bad, with total")
    if "total" not in rm:
        raise where.fail(f"{rpath}.total", "is required (a mapping with metricSource)")
    total = _metric_source(where, f"{rpath}.total", rm["total"], datasources)
    good = _metric_source(where, f"{rpath}.good", rm["good"], datasources) if "good" in rm else None
    bad = _metric_source(where, f"{rpath}.bad", rm["bad"], datasources) if "bad" in rm else None
    return Indicator(name, meta.get("displayName"), ratio=RatioMetric(counter, total, good, bad))


def _name(where: _Where, path: str, meta: Mapping) -> str:
    name = _get(where, meta, path, "name", str)
    if not _NAME.match(name):
        raise where.fail(f"{path}.name", f"expected a name of letters, digits, '.', '_' or '-', got {name!r}")
    return name


def _time_window(where: _Where, spec: Mapping) -> TimeWindow:
    windows = _get(where, spec, "spec", "timeWindow", list)
    if len(windows) != 1:
        raise where.fail("spec.timeWindow", f"expected exactly one time window, got {len(windows)}")
    path = "spec.timeWindow[0]"
    tw = windows[0]
    if not isinstance(tw, Mapping):
        raise where.fail(path, f"expected a mapping, got {tw!r}")
    duration = parse_duration(where, f"{path}.duration", tw.get("duration"))
    is_rolling = _get(where, tw, path, "isRolling", bool, required=False)
    is_rolling = bool(is_rolling)
    if duration.unit in ("s", "m", "h") and (duration.seconds or 0) < 86400:
        hint = " (OpenSLO's 'm' is minutes: write 1M for a month)" if duration.unit == "m" else ""
        raise where.fail(
            f"{path}.duration",
            f"a time window of {duration} is shorter than a day{hint}; expected e.g. 1M, 1Q, 1w or 28d",
        )
    start, zone = None, "UTC"
    calendar = tw.get("calendar")
    if is_rolling:
        if calendar is not None:
            raise where.fail(f"{path}.calendar", "a rolling window (isRolling: true) takes no calendar")
    else:
        if duration.unit not in CALENDAR_UNITS:
            raise where.fail(f"{path}.duration", f"a calendar window needs d, w, M, Q or Y units, got {duration}")
        if not isinstance(calendar, Mapping):
            raise where.fail(f"{path}.calendar", "is required for a calendar window (startTime and timeZone)")
        cpath = f"{path}.calendar"
        zone = _get(where, calendar, cpath, "timeZone", str)
        try:
            tz = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise where.fail(f"{cpath}.timeZone", f"expected an IANA time zone such as America/New_York, got {zone!r}") from None
        raw = calendar.get("startTime")
        if raw is None:
            raise where.fail(f"{cpath}.startTime", "is required (e.g. '2025-01-01 00:00:00')")
        if isinstance(raw, datetime):
            start = raw if raw.tzinfo else raw.replace(tzinfo=tz)
        else:
            try:
                parsed = datetime.fromisoformat(str(raw).strip())
            except ValueError:
                raise where.fail(f"{cpath}.startTime", f"expected a date-time such as '2025-01-01 00:00:00', got {raw!r}") from None
            start = parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)
        start = start.astimezone(timezone.utc)
    return TimeWindow(duration, is_rolling, start, zone)


def _objectives(where: _Where, spec: Mapping, indicator: Indicator, method: str) -> tuple[Objective, ...]:
    items = _get(where, spec, "spec", "objectives", list)
    if not items:
        raise where.fail("spec.objectives", "expected at least one objective")
    out = []
    for i, obj in enumerate(items):
        path = f"spec.objectives[{i}]"
        if not isinstance(obj, Mapping):
            raise where.fail(path, f"expected a mapping, got {obj!r}")
        if ("target" in obj) == ("targetPercent" in obj):
            raise where.fail(path, "expected exactly one of target (a ratio) or targetPercent")
        if "target" in obj:
            target = _ratio(where, f"{path}.target", obj["target"], low_open=True, high_open=True)
        else:
            target = _ratio(where, f"{path}.targetPercent", obj["targetPercent"], low_open=True, high_open=True, scale=100)
        tst = None
        if "timeSliceTarget" in obj:
            tst = _ratio(where, f"{path}.timeSliceTarget", obj["timeSliceTarget"], low_open=True, high_open=False)
        op = value = None
        if indicator.kind == "threshold":
            op = _get(where, obj, path, "op", str)
            if op not in OPS:
                raise where.fail(f"{path}.op", f"expected one of lt, lte, gt, gte, got {op!r}")
            value = float(_get(where, obj, path, "value", float))
        else:
            for key in ("op", "value"):
                if key in obj:
                    raise where.fail(f"{path}.{key}", "applies to thresholdMetric indicators only")
            if method == "Timeslices" and tst is None:
                raise where.fail(f"{path}.timeSliceTarget", "is required for Timeslices on a ratioMetric (a ratio such as 0.95)")
        out.append(Objective(obj.get("displayName") or obj.get("name"), target, tst, op, value))
    return tuple(out)


def _slice_window(where: _Where, spec: Mapping, method: str) -> int | None:
    objs = spec.get("objectives") or []
    raw = None
    path = "spec.objectives[0].timeSliceWindow"
    for i, obj in enumerate(objs):
        if isinstance(obj, Mapping) and obj.get("timeSliceWindow") is not None:
            if raw is not None and obj["timeSliceWindow"] != raw:
                raise where.fail(f"spec.objectives[{i}].timeSliceWindow", "all objectives must use the same timeSliceWindow")
            raw, path = obj["timeSliceWindow"], f"spec.objectives[{i}].timeSliceWindow"
    if method == "Occurrences":
        return None
    if raw is None:
        raise where.fail(path, f"is required for {method} (e.g. 1m or 5m)")
    if isinstance(raw, bool):
        raise where.fail(path, f"expected seconds or a duration such as 1m, got {raw!r}")
    if isinstance(raw, (int, float)):
        seconds = raw
    else:
        d = parse_duration(where, path, str(raw))
        if d.seconds is None:
            raise where.fail(path, f"expected a fixed duration such as 1m or 5m, got {raw!r} (M is months)")
        seconds = d.seconds
    if seconds != int(seconds) or seconds <= 0 or 86400 % int(seconds):
        raise where.fail(path, f"expected a whole number of seconds that divides a day evenly (e.g. 60, 300, 1m, 5m), got {raw!r}")
    return int(seconds)


def parse_slo(doc: Document, slis: Mapping[str, Document], datasources: Mapping[str, Mapping]) -> SLO:
    """Validate one SLO document (an ``indicatorRef`` is looked up in ``slis``)."""
    where = _Where(doc.file, doc.index)
    body = doc.body
    spec = _get(where, body, "", "spec", dict)
    service = _get(where, spec, "spec", "service", str)
    if ("indicator" in spec) == ("indicatorRef" in spec):
        raise where.fail("spec", "expected exactly one of indicator or indicatorRef")
    if "indicator" in spec:
        indicator = parse_indicator(where, "spec.indicator", _get(where, spec, "spec", "indicator", dict), datasources)
    else:
        ref = _get(where, spec, "spec", "indicatorRef", str)
        sli_doc = slis.get(ref)
        if sli_doc is None:
            raise where.fail("spec.indicatorRef", f"no SLI named {ref!r} is defined in these files or applied before")
        indicator = parse_indicator(_Where(sli_doc.file, sli_doc.index), "", sli_doc.body, datasources)
    method = _get(where, spec, "spec", "budgetingMethod", str)
    if method not in BUDGETING_METHODS:
        raise where.fail("spec.budgetingMethod", f"expected one of {', '.join(BUDGETING_METHODS)}, got {method!r}")
    window = _time_window(where, spec)
    objectives = _objectives(where, spec, indicator, method)
    slice_seconds = _slice_window(where, spec, method)
    policies = []
    for i, p in enumerate(spec.get("alertPolicies") or []):
        if isinstance(p, str):
            policies.append(p)
        elif isinstance(p, Mapping) and isinstance(p.get("alertPolicyRef"), str):
            policies.append(p["alertPolicyRef"])
        elif isinstance(p, Mapping) and isinstance((p.get("metadata") or {}).get("name"), str):
            policies.append(p["metadata"]["name"])
        else:
            raise where.fail(f"spec.alertPolicies[{i}]", "expected an alertPolicyRef or an inline AlertPolicy with metadata.name")
    meta = body.get("metadata") or {}
    return SLO(
        name=doc.name,
        display_name=meta.get("displayName"),
        description=spec.get("description"),
        service=service,
        indicator=indicator,
        window=window,
        budgeting_method=method,
        objectives=objectives,
        time_slice_window_seconds=slice_seconds,
        alert_policies=tuple(policies),
    )


def read_documents(path: str) -> list[Document]:
    """Split a YAML file into OpenSLO documents; syntax and envelope errors are BadInput."""
    import yaml

    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        raise BadInput("no such file", file=path) from None
    except IsADirectoryError:
        raise BadInput("is a directory, expected a YAML file", file=path) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadInput("not a UTF-8 text file (binary?)", file=path) from None
    if "\x00" in text:
        raise BadInput("not a text file (binary?)", file=path)
    try:
        loaded = list(yaml.load_all(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise BadInput(f"invalid YAML{at}: {problem}", file=path) from None
    chunks = re.split(r"(?m)^---[^\n]*\n", text)
    if chunks and not chunks[0].strip():
        chunks = chunks[1:]
    docs = []
    index = 0
    for body in loaded:
        index += 1
        if body is None:
            continue
        where = _Where(path, index)
        if not isinstance(body, Mapping):
            raise where.fail("", f"expected a mapping (an OpenSLO document), got {type(body).__name__}")
        api = body.get("apiVersion")
        if api != API_VERSION:
            raise where.fail("apiVersion", f"expected {API_VERSION!r}, got {api!r}")
        kind = body.get("kind")
        if kind not in KINDS:
            raise where.fail("kind", f"expected one of {', '.join(KINDS)}, got {kind!r}")
        meta = _get(where, body, "", "metadata", dict)
        name = _name(where, "metadata", meta)
        _get(where, body, "", "spec", dict)
        text_chunk = chunks[index - 1] if index - 1 < len(chunks) else ""
        docs.append(Document(kind, name, body, path, index, text_chunk))
    if not docs:
        raise BadInput("no OpenSLO documents found", file=path)
    return docs


def check_other(doc: Document) -> None:
    """Validate the kinds that carry no SLO semantics here, as far as OpenSLO pins them."""
    where = _Where(doc.file, doc.index)
    spec = doc.body["spec"]
    if doc.kind == "DataSource":
        _get(where, spec, "spec", "type", str)
        details = _get(where, spec, "spec", "connectionDetails", dict, required=False) or {}
        _refuse_literal_secrets(where, details)
    elif doc.kind == "AlertCondition":
        cond = _get(where, spec, "spec", "condition", dict)
        _check_condition(where, "spec.condition", cond)
    elif doc.kind == "AlertPolicy":
        conditions = _get(where, spec, "spec", "conditions", list)
        for i, c in enumerate(conditions):
            path = f"spec.conditions[{i}]"
            if not isinstance(c, Mapping):
                raise where.fail(path, "expected a conditionRef or an inline AlertCondition")
            if "conditionRef" in c:
                _get(where, c, path, "conditionRef", str)
            else:
                inner = _get(where, c, path, "spec", dict)
                _check_condition(where, f"{path}.spec.condition", _get(where, inner, f"{path}.spec", "condition", dict))


# connectionDetails keys that would hold a literal secret. Refused at apply time, so no
# credential is ever stored in the database: name an environment variable or a file instead.
LITERAL_SECRETS = ("token", "bearerToken", "password", "apiKey", "secret", "accessToken")


def _refuse_literal_secrets(where: _Where, details: Mapping) -> None:
    from urllib.parse import urlsplit

    for key in LITERAL_SECRETS:
        if key in details:
            raise where.fail(
                f"spec.connectionDetails.{key}",
                f"a literal secret is not stored; use {key}Env (an environment variable) or {key}File (a file)",
            )
    for key in ("url", "address"):
        value = details.get(key)
        if isinstance(value, str) and urlsplit(value).password:
            raise where.fail(
                f"spec.connectionDetails.{key}",
                "a password in the URL is a literal secret; use passwordEnv or passwordFile",
            )


def _check_condition(where: _Where, path: str, cond: Mapping) -> None:
    kind = _get(where, cond, path, "kind", str)
    if kind != "burnrate":
        raise where.fail(f"{path}.kind", f"expected 'burnrate', got {kind!r}")
    op = _get(where, cond, path, "op", str)
    if op not in OPS:
        raise where.fail(f"{path}.op", f"expected one of lt, lte, gt, gte, got {op!r}")
    _get(where, cond, path, "threshold", float)
    parse_duration(where, f"{path}.lookbackWindow", cond.get("lookbackWindow"))
    if "alertAfter" in cond:
        parse_duration(where, f"{path}.alertAfter", cond.get("alertAfter"))


def resolve(docs: Iterable[Document], stored: Iterable[Document] = ()) -> tuple[list[SLO], list[Document]]:
    """Validate documents, resolving ``indicatorRef`` and ``metricSourceRef`` against the new
    documents first, then the stored ones. Returns the SLOs and every document."""
    docs = list(docs)
    seen: dict[tuple[str, str], Document] = {}
    for d in docs:
        key = (d.kind, d.name)
        if key in seen:
            prev = seen[key]
            raise _Where(d.file, d.index).fail(
                "metadata.name", f"{d.kind} {d.name!r} is also defined in {prev.file} document {prev.index}"
            )
        seen[key] = d
    slis = {d.name: d for d in stored if d.kind == "SLI"}
    slis.update({d.name: d for d in docs if d.kind == "SLI"})
    datasources = {d.name: d.body for d in stored if d.kind == "DataSource"}
    datasources.update({d.name: d.body for d in docs if d.kind == "DataSource"})
    for d in docs:
        if d.kind == "SLI":
            parse_indicator(_Where(d.file, d.index), "", d.body, datasources)
        elif d.kind != "SLO":
            check_other(d)
    slos = [parse_slo(d, slis, datasources) for d in docs if d.kind == "SLO"]
    return slos, docs


def resolved_document(slo_doc: Document, slis: Mapping[str, Document]) -> dict:
    """The SLO document with its indicator inlined, so it re-parses on its own."""
    body = {k: v for k, v in slo_doc.body.items()}
    spec = dict(body["spec"])
    if "indicatorRef" in spec:
        ref = spec.pop("indicatorRef")
        sli = slis[ref].body
        spec["indicator"] = {"metadata": sli["metadata"], "spec": sli["spec"]}
    body["spec"] = spec
    return body


def slo_from_definition(definition: Mapping, datasources: Mapping[str, Mapping] | None = None) -> SLO:
    """Rebuild an SLO from the JSON stored in ``slos.definition``."""
    name = definition["metadata"]["name"]
    doc = Document("SLO", name, definition, f"<stored SLO {name}>", 1, "")
    return parse_slo(doc, {}, datasources or {})
