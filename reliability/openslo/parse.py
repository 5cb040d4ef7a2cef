"""Parsing SLO and SLI documents into :class:`~reliability.openslo.model.SLO` values.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from reliability import instances
from reliability.openslo import labels as label_rules
from reliability.openslo.alerts import check_condition
from reliability.openslo.fields import _get, _name, _ratio, _Where, parse_duration
from reliability.openslo.model import (
    BUDGETING_METHODS,
    CALENDAR_UNITS,
    OPS,
    SLO,
    Document,
    Indicator,
    MetricSource,
    Objective,
    RatioMetric,
    RawMetric,
    ThresholdMetric,
    TimeWindow,
)


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
    own = label_rules.parse(where, mpath, meta)
    spec = _get(where, doc, path, "spec", dict)
    spath = f"{path}.spec" if path else "spec"
    has_ratio, has_threshold = "ratioMetric" in spec, "thresholdMetric" in spec
    if has_ratio == has_threshold:
        raise where.fail(spath, "expected exactly one of ratioMetric or thresholdMetric")
    if has_threshold:
        tm = _get(where, spec, spath, "thresholdMetric", dict)
        source = _metric_source(where, f"{spath}.thresholdMetric", {"metricSource": tm.get("metricSource")}, datasources)
        return Indicator(name, meta.get("displayName"), threshold=ThresholdMetric(source), labels=own)
    rpath = f"{spath}.ratioMetric"
    rm = _get(where, spec, spath, "ratioMetric", dict)
    # Optional: the spec gives it no default and says it has no effect for raw; go-sdk decodes a
    # missing counter as false.
    counter = bool(_get(where, rm, rpath, "counter", bool, required=False))
    if "raw" in rm:
        for key in ("good", "bad", "total"):
            if key in rm:
                raise where.fail(f"{rpath}.{key}", "cannot be used together with raw")
        raw_type = _get(where, rm, rpath, "rawType", str)
        if raw_type not in ("success", "failure"):
            raise where.fail(f"{rpath}.rawType", f"expected success or failure, got {raw_type!r}")
        raw = _metric_source(where, f"{rpath}.raw", rm["raw"], datasources)
        return Indicator(name, meta.get("displayName"), raw=RawMetric(raw_type, raw), labels=own)
    if ("good" in rm) == ("bad" in rm):
        raise where.fail(rpath, "expected exactly one of good or bad, with total")
    if "total" not in rm:
        raise where.fail(f"{rpath}.total", "is required (a mapping with metricSource)")
    total = _metric_source(where, f"{rpath}.total", rm["total"], datasources)
    good = _metric_source(where, f"{rpath}.good", rm["good"], datasources) if "good" in rm else None
    bad = _metric_source(where, f"{rpath}.bad", rm["bad"], datasources) if "bad" in rm else None
    return Indicator(name, meta.get("displayName"), ratio=RatioMetric(counter, total, good, bad), labels=own)




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


def _objectives(where: _Where, spec: Mapping, indicator: Indicator, method: str, warn) -> tuple[Objective, ...]:
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
            if "value" in obj:
                raise where.fail(f"{path}.value", "applies to thresholdMetric indicators only")
            if "op" in obj and warn is not None:
                # The spec's own examples write `op: gt` on ratio SLOs ("only needed when using
                # a thresholdMetric"); go-sdk forbids it. Without a value it means nothing.
                warn(str(where.fail(f"{path}.op", "applies to thresholdMetric SLIs only; ignored for this ratioMetric")))
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
        raise where.fail(path, f"expected minutes (a number) or a duration such as 1m, got {raw!r}")
    if isinstance(raw, (int, float)):
        seconds = raw * 60  # the spec: "Default interpretation of unit if specified as a number in minutes"
    else:
        d = parse_duration(where, path, str(raw))
        if d.seconds is None:
            raise where.fail(path, f"expected a fixed duration such as 1m or 5m, got {raw!r} (M is months)")
        seconds = d.seconds
    if seconds != int(seconds) or seconds <= 0 or 86400 % int(seconds):
        raise where.fail(path, f"expected a slice that divides a day evenly into whole seconds (e.g. 1, 5, 1m, 5m), got {raw!r}")
    return int(seconds)


def parse_slo(doc: Document, slis: Mapping[str, Document], datasources: Mapping[str, Mapping], warn=None) -> SLO:
    """Validate one SLO document (an ``indicatorRef`` is looked up in ``slis``). ``warn``, when
    given, is called with a message for what is accepted but ignored."""
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
    if indicator.raw is not None:
        path = "spec.indicator.spec.ratioMetric.raw" if "indicator" in spec else "spec.indicatorRef"
        raise where.fail(path, f"SLI {indicator.name!r} is a raw ratio metric (a precomputed ratio); SLOs here "
                               "count events or slices: use good/total or bad/total")
    method = _get(where, spec, "spec", "budgetingMethod", str)
    if method not in BUDGETING_METHODS:
        raise where.fail("spec.budgetingMethod", f"expected one of {', '.join(BUDGETING_METHODS)}, got {method!r}")
    window = _time_window(where, spec)
    objectives = _objectives(where, spec, indicator, method, warn)
    slice_seconds = _slice_window(where, spec, method)
    policies = []
    for i, p in enumerate(spec.get("alertPolicies") or []):
        if isinstance(p, str):
            policies.append(p)
        elif isinstance(p, Mapping) and isinstance(p.get("alertPolicyRef"), str):
            policies.append(p["alertPolicyRef"])
        elif isinstance(p, Mapping) and isinstance((p.get("metadata") or {}).get("name"), str):
            _inline_policy(where, f"spec.alertPolicies[{i}]", p)
            policies.append(p["metadata"]["name"])
        else:
            raise where.fail(f"spec.alertPolicies[{i}]", "expected an alertPolicyRef or an inline AlertPolicy with metadata.name")
    meta = body.get("metadata") or {}
    own = label_rules.parse(where, "metadata", meta)
    try:
        grouping = instances.group_by(meta.get("annotations"))
    except ValueError as exc:
        raise where.fail(f"metadata.annotations.{instances.ANNOTATION}", str(exc)) from None
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
        labels=label_rules.merge(indicator.labels, own),
        group_by=grouping,
    )




def _inline_policy(where: _Where, path: str, policy: Mapping) -> None:
    """An inline AlertPolicy's inline conditions are checked like AlertCondition documents."""
    for j, c in enumerate(_get(where, _get(where, policy, path, "spec", dict), f"{path}.spec", "conditions", list)):
        cpath = f"{path}.spec.conditions[{j}]"
        if not isinstance(c, Mapping):
            raise where.fail(cpath, "expected a conditionRef or an inline AlertCondition")
        if "conditionRef" not in c:
            inner = _get(where, c, cpath, "spec", dict)
            check_condition(where, f"{cpath}.spec.condition", _get(where, inner, f"{cpath}.spec", "condition", dict))


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
