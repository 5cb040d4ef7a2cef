"""Prometheus recording and alerting rules from an SLO's own definition, so the SLOs that drive
the reports also drive paging (the replay in :mod:`reliability.analysis.burn` is their history).

Recording rules, one per window W the alerts need: ``slo:sli_error:ratio_rate<W>`` = the error
ratio over W (``1 − good/total`` or ``bad/total``), made from the SLO's PromQL queries with each
range rewritten to W (:func:`reliability.promql.rewrite_ranges`; a query must have a range
selector or subquery). Its burn rate is that ratio divided by ``1 − target``.

Alerts, in this order of preference:

- the SLO's OpenSLO ``AlertPolicy``/``AlertCondition`` (:mod:`reliability.openslo.alerts`):
  one alert per burn-rate condition, ``ratio over lookbackWindow <op> threshold × (1 − target)``
  held ``for: alertAfter``;
- else the multi-window, multi-burn-rate table (:mod:`reliability.analysis.windows`):
  ``SLOBurnRatePage`` (1h/5m, 6h/30m) and ``SLOBurnRateTicket`` (1d/2h, 3d/6h), each firing
  when both windows' error ratios exceed ``factor × (1 − target)``.

The live rules measure events (Prometheus has no slices), i.e. the Occurrences burn rate.
``flavour="sloth"`` writes what Sloth writes (groups, ``sloth_*`` labels, the meta recordings
``slo:objective:ratio`` … ``slo:period_error_budget_remaining:ratio`` and ``sloth_slo_info``)
so dashboards built for Sloth work. The file is built as data and written by a YAML emitter,
so any label value (a service name with a newline or a control character) is escaped, in YAML
and inside PromQL strings alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from reliability import promql
from reliability.analysis.alerting import HOUR, _dur, period_hours
from reliability.analysis.windows import for_rules
from reliability.errors import BadInput
from reliability.openslo import SLO
from reliability.openslo.alerts import BurnRateCondition
from reliability.openslo.model import OPS

ALERT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_:.-]*$")
PERIOD_BASE = 5 * 60  # Sloth's period ratio: the mean of the 5-minute ratios over the period


@dataclass(frozen=True)
class Options:
    """``flavour`` ``plain`` or ``sloth``; ``alert_name`` one name for every alert (Sloth's
    way: the severity label tells them apart), else ``page_alert``/``ticket_alert`` for the
    table's alerts and the AlertCondition's name for a policy's; ``labels`` go on every rule,
    ``page_labels``/``ticket_labels`` on those alerts (they may override ``severity``);
    ``windows`` a Sloth AlertWindows file."""

    flavour: str = "plain"
    alert_name: str | None = None
    page_alert: str = "SLOBurnRatePage"
    ticket_alert: str = "SLOBurnRateTicket"
    labels: tuple[tuple[str, str], ...] = ()
    page_labels: tuple[tuple[str, str], ...] = ()
    ticket_labels: tuple[tuple[str, str], ...] = ()
    alert_labels: tuple[tuple[str, str], ...] = ()
    annotations: tuple[tuple[str, str], ...] = ()
    windows: str | None = None


def _windowed(query: str | None, window: str, field_: str, counter: bool = False) -> str:
    rewritten = promql.rewrite_ranges(query or "", window)
    if rewritten is None:
        hint = (" (with counter: true the query returns a cumulative counter; rules need a rate over a "
                "window, e.g. sum(rate(x[1m])))") if counter else ""
        raise BadInput(f"needs a PromQL query with a range selector such as [1m] or a subquery, got {query!r}{hint}",
                       field=field_)
    return rewritten


def _ratio(slo: SLO, window: str) -> str:
    ratio = slo.indicator.ratio
    if ratio is None:
        raise BadInput(f"{slo.name} has a threshold SLI; rules are generated for ratio SLIs", field="--slo")
    base = "spec.indicator.spec.ratioMetric"
    total = _windowed(ratio.total.query, window, f"{base}.total", ratio.counter)
    if ratio.bad is not None:
        return f"({_windowed(ratio.bad.query, window, base + '.bad', ratio.counter)}) / ({total})"
    return f"1 - (({_windowed(ratio.good.query, window, base + '.good', ratio.counter)}) / ({total}))"


def _text(value: str, what: str) -> str:
    if any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise BadInput(f"{what} {value!r} is not valid Unicode text", field=what)
    return value


def _number(x: Fraction | float) -> str:
    return repr(float(x))


def _alert(name: str, expr: str, labels: dict, annotations: dict, for_: str | None = None) -> dict:
    rule = {"alert": name, "expr": expr}
    if for_:
        rule["for"] = for_
    rule["labels"] = labels
    rule["annotations"] = annotations
    return rule


def rules_data(slo: SLO, conditions: list[BurnRateCondition] = (), options: Options = Options(),
               notes: list[str] | None = None) -> dict:
    """The rule file as data (``{"groups": [...]}``); see the module docstring. ``notes`` gets
    where the alert windows come from, then any ``warning:`` lines."""
    notes = notes if notes is not None else []
    sloth = options.flavour == "sloth"
    budget = 1 - Fraction(Decimal(repr(slo.objectives[0].target)))
    service = _text(slo.service, "spec.service")
    if sloth:
        ids = {"sloth_id": f"{service}-{slo.name}", "sloth_service": service, "sloth_slo": slo.name}
    else:
        ids = {"slo": slo.name, "service": service, "sli": slo.sli}
    extra = {k: _text(v, "--label") for k, v in options.labels}
    clash = sorted(set(extra) & (set(ids) | {"sloth_window", "severity"}))
    if clash:
        raise BadInput(f"label {clash[0]!r} is set by the rules themselves", field="--label")
    sel = promql.selector(ids)
    windows, source = ([], "alerts from the SLO's AlertPolicy") if conditions else for_rules(slo, options.windows)
    notes.append(source)
    if len(slo.objectives) > 1:
        notes.append(f"warning: SLO {slo.name!r} has {len(slo.objectives)} objectives; the rules are for the first "
                     f"(target {slo.objectives[0].target:g})")
    seconds = {s for aw in windows for s in (aw.long_seconds, aw.short_seconds)}
    seconds |= {int(c.lookback.seconds) for c in conditions}
    if sloth:
        seconds.add(PERIOD_BASE)
    recordings = []
    for s in sorted(seconds):
        w = _dur(s)
        labels = ids | extra | ({"sloth_window": w} if sloth else {})
        recordings.append({"record": f"slo:sli_error:ratio_rate{w}", "expr": _ratio(slo, w), "labels": labels})
    groups = []
    period = _dur(int(period_hours(slo) * HOUR))
    if sloth and int(period_hours(slo) * HOUR) not in seconds:  # else recorded above, as a window
        base = f"slo:sli_error:ratio_rate{_dur(PERIOD_BASE)}{sel}"
        recordings.append({"record": f"slo:sli_error:ratio_rate{period}",
                           "expr": f"sum_over_time({base}[{period}])\n/ ignoring (sloth_window)\n"
                                   f"count_over_time({base}[{period}])",
                           "labels": ids | extra | {"sloth_window": period}})
    if sloth:
        groups.append({"name": f"sloth-slo-sli-recordings-{ids['sloth_id']}", "rules": recordings})
        groups.append({"name": f"sloth-slo-meta-recordings-{ids['sloth_id']}", "rules": _meta(slo, ids, extra, sel, period)})
    else:
        groups.append({"name": f"slo-{slo.name}", "rules": recordings})
    alerts = _policy_alerts(slo, conditions, sel, budget, options, notes) if conditions else \
        _table_alerts(slo, windows, sel, budget, options)
    if sloth:
        groups.append({"name": f"sloth-slo-alerts-{ids['sloth_id']}", "rules": alerts})
    else:
        groups[0]["rules"] = recordings + alerts
    return {"groups": groups}


def _meta(slo: SLO, ids: dict, extra: dict, sel: str, period: str) -> list[dict]:
    """Sloth's meta recordings: objective, error budget, period in days, burn rates, budget left."""
    target = slo.objectives[0].target
    labels = ids | extra
    days = float(period_hours(slo) / 24)
    by = "on(sloth_id, sloth_slo, sloth_service) group_left"
    return [
        {"record": "slo:objective:ratio", "expr": f"vector({_number(target)})", "labels": labels},
        {"record": "slo:error_budget:ratio", "expr": f"vector(1-{_number(target)})", "labels": labels},
        {"record": "slo:time_period:days", "expr": f"vector({days:g})", "labels": labels},
        {"record": "slo:current_burn_rate:ratio",
         "expr": f"slo:sli_error:ratio_rate5m{sel}\n/ {by}\nslo:error_budget:ratio{sel}", "labels": labels},
        {"record": "slo:period_burn_rate:ratio",
         "expr": f"slo:sli_error:ratio_rate{period}{sel}\n/ {by}\nslo:error_budget:ratio{sel}", "labels": labels},
        {"record": "slo:period_error_budget_remaining:ratio", "expr": f"1 - slo:period_burn_rate:ratio{sel}",
         "labels": labels},
        {"record": "sloth_slo_info", "expr": "vector(1)",
         "labels": labels | {"sloth_mode": "reliability", "sloth_objective": f"{float(Decimal(repr(target)) * 100):g}",
                             "sloth_spec": "openslo/v1"}},
    ]


def _table_alerts(slo, windows, sel, budget, options: Options) -> list[dict]:
    sloth = options.flavour == "sloth"
    out = []
    for severity, name, own in (("page", options.page_alert, options.page_labels),
                                ("ticket", options.ticket_alert, options.ticket_labels)):
        parts = []
        for aw in (a for a in windows if a.severity == severity):
            threshold = _number(aw.factor * budget)
            pair = [(aw.long_seconds, threshold), (aw.short_seconds, threshold)]
            if sloth:  # Sloth's shape: short window first, sloth_window dropped before `and`
                parts.append("(\n    " + "\n    and\n    ".join(
                    f"max(slo:sli_error:ratio_rate{_dur(s)}{sel} > {t}) without (sloth_window)"
                    for s, t in reversed(pair)) + "\n)")
            else:
                parts.append("(" + " and ".join(f"slo:sli_error:ratio_rate{_dur(s)}{sel} > {t}" for s, t in pair) + ")")
        # --label values reach the alert through the recorded series, as with Sloth.
        labels = {k: _text(v, "--alert-label") for k, v in options.alert_labels}
        labels |= {"severity": severity} | ({"sloth_severity": severity} if sloth else {})
        labels |= {k: _text(v, f"--{severity}-label") for k, v in own}
        annotations = {"summary": f"{slo.name} is burning its error budget ({severity})"}
        if sloth:
            annotations["title"] = (f"({severity}) {{{{$labels.sloth_service}}}} {{{{$labels.sloth_slo}}}} "
                                    "SLO error budget burn rate is too fast.")
        annotations |= {k: _text(v, "--annotation") for k, v in options.annotations}
        out.append(_alert(options.alert_name or name, ("\nor\n" if sloth else " or ").join(parts), labels, annotations))
    return out


def _policy_alerts(slo, conditions, sel, budget, options: Options, notes: list[str]) -> list[dict]:
    out = []
    for c in conditions:
        if c.op in ("lt", "lte"):
            notes.append(f"warning: AlertCondition {c.name!r} fires while the burn rate is {OPS[c.op]} "
                                 f"{c.threshold:g} (op: {c.op}), i.e. while the budget is NOT burning fast")
        expr = f"slo:sli_error:ratio_rate{_dur(int(c.lookback.seconds))}{sel} {OPS[c.op]} {_number(Fraction(c.threshold) * budget)}"
        labels = {k: _text(v, "--alert-label") for k, v in options.alert_labels}
        labels |= {"severity": _text(c.severity or "none", "severity"), "alert_policy": c.policy,
                   "alert_condition": c.name}
        if options.flavour == "sloth":
            labels["sloth_severity"] = labels["severity"]
        if c.targets:
            labels["notification_targets"] = ",".join(c.targets)
        annotations = {"summary": f"{slo.name}: burn rate over {c.lookback} {OPS[c.op]} {c.threshold:g} "
                                  f"(AlertPolicy {c.policy}, AlertCondition {c.name})"}
        annotations |= {k: _text(v, "--annotation") for k, v in options.annotations}
        for_ = _dur(int(c.alert_after.seconds)) if c.alert_after else None
        name = options.alert_name or c.name
        out.append(_alert(name, expr, labels, annotations, for_))
        if c.no_data:  # alertWhenNoData: no series, or NaN (no events in the window)
            ratio = f"slo:sli_error:ratio_rate{_dur(int(c.lookback.seconds))}{sel}"
            out.append(_alert(f"{name}-no-data" if "-" in name else f"{name}NoData",
                              f"absent({ratio}) or ({ratio} != {ratio})", labels | {"alert_kind": "no_data"},
                              {"summary": f"{slo.name}: no burn rate over {c.lookback} (no data; AlertPolicy "
                                          f"{c.policy} has alertWhenNoData)"}, for_))
    return out


def rules_yaml(slo: SLO, conditions: list[BurnRateCondition] = (), options: Options = Options(),
               notes: list[str] | None = None) -> str:
    """The rule file (YAML text) for ``promtool`` and Prometheus, with a header comment saying
    where its alert windows come from; ``notes`` as for :func:`rules_data`."""
    notes = notes if notes is not None else []
    import yaml

    class _Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data) -> bool:  # shared label dicts are written out each time
            return True

    def _str(dumper, value: str):
        # Multi-line PromQL reads best as a block; the emitter falls back to a quoted, escaped
        # scalar whenever a block cannot hold the text exactly (control characters and such).
        style = "|" if "\n" in value and _plain_lines(value) else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, _str)
    data = rules_data(slo, conditions, options, notes)
    head = f"# Rules for SLO {slo.name} by `reliability rules`; {notes[0]}.\n"
    return head + yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1 << 16,
                            default_flow_style=False)


def _plain_lines(value: str) -> bool:
    return all(line.isprintable() and line == line.rstrip() for line in value.split("\n"))
