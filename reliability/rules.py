"""Prometheus recording and alerting rules from an SLO's own definition, so the SLOs that drive
the reports also drive paging (the replay in :mod:`reliability.analysis.burn` is their history).

Recording rules, one per window W of the alert table (5m, 30m, 1h, 2h, 6h, 1d, 3d):
``slo:sli_error:ratio_rate<W>`` = the error ratio over W (``1 − good/total`` or ``bad/total``),
made from the SLO's PromQL queries with every range selector ``[...]`` replaced by ``[W]`` (a
query must have one: ``rate(x[1m])``, ``increase(x[5m])``). Its burn rate is that ratio divided
by ``1 − target``. Alerting rules: the multi-window, multi-burn-rate conditions of the SRE
workbook, factors scaled to the SLO's period as in :func:`reliability.analysis.burn.alert_windows`:
``SLOBurnRatePage`` (1h/5m, 6h/30m) and ``SLOBurnRateTicket`` (1d/2h, 3d/6h), each firing when
both windows' error ratios exceed ``factor × (1 − target)``. The live rules measure events
(Prometheus has no slices), i.e. the Occurrences burn rate.
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

from reliability.analysis.burn import _dur, alert_windows
from reliability.errors import BadInput
from reliability.openslo import SLO

_RANGE = re.compile(r"\[[0-9]+[smhdwy]\]")


def _windowed(query: str | None, window: str, field: str) -> str:
    if not query or not _RANGE.search(query):
        raise BadInput(f"needs a PromQL query with a range selector such as [1m], got {query!r}", field=field)
    return _RANGE.sub(f"[{window}]", query)


def _ratio(slo: SLO, window: str) -> str:
    ratio = slo.indicator.ratio
    if ratio is None:
        raise BadInput(f"{slo.name} has a threshold SLI; rules are generated for ratio SLIs", field="--slo")
    base = "spec.indicator.spec.ratioMetric"
    total = _windowed(ratio.total.query, window, f"{base}.total")
    if ratio.bad is not None:
        return f"({_windowed(ratio.bad.query, window, base + '.bad')}) / ({total})"
    return f"1 - (({_windowed(ratio.good.query, window, base + '.good')}) / ({total}))"


def _q(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def rules_yaml(slo: SLO) -> str:
    """The rule file (YAML text, one group per SLO) for ``promtool`` and Prometheus."""
    windows = alert_windows(slo)
    names = sorted({w for aw in windows for w in (aw.long_seconds, aw.short_seconds)})
    budget = 1 - Fraction(Decimal(repr(slo.objectives[0].target)))
    labels = f"slo: {_q(slo.name)}, service: {_q(slo.service)}, sli: {_q(slo.sli)}"
    sel = f'{{slo={_q(slo.name)}}}'
    lines = ["groups:", f"  - name: {_q('slo-' + slo.name)}", "    rules:"]
    for seconds in names:
        w = _dur(seconds)
        lines += [f"      - record: slo:sli_error:ratio_rate{w}",
                  f"        expr: {_q(_ratio(slo, w))}",
                  f"        labels: {{{labels}}}"]
    for severity, alert in (("page", "SLOBurnRatePage"), ("ticket", "SLOBurnRateTicket")):
        parts = []
        for aw in (a for a in windows if a.severity == severity):
            threshold = repr(float(aw.factor * budget))
            parts.append(f"(slo:sli_error:ratio_rate{_dur(aw.long_seconds)}{sel} > {threshold}"
                         f" and slo:sli_error:ratio_rate{_dur(aw.short_seconds)}{sel} > {threshold})")
        lines += [f"      - alert: {alert}",
                  f"        expr: {_q(' or '.join(parts))}",
                  f"        labels: {{severity: {severity}}}",
                  f"        annotations: {{summary: {_q(f'{slo.name} is burning its error budget ({severity})')}}}"]
    return "\n".join(lines) + "\n"
