"""``backtest``: another target or other alert windows, scored on the same history.

Variants of one SLO over a range: ``current`` (its target and the workbook's alert windows
scaled to its period, exactly what ``burn`` replays) and ``backtest`` (``--target`` and/or
``--window``: the other settings, the rest unchanged). Each is scored by the same code:

- ``pages``, ``tickets``: alert episodes of each severity in the replay (``burn``'s rule: a
  window pair fires when both burn rates exceed its factor; an episode is a run of
  consecutive firing evaluations);
- ``incidents``: the service's incidents whose impact window overlaps the range and has an
  end; ``incidents_missed``: those no page overlapped; ``median_page_delay_minutes`` over the
  paged ones; ``precision``/``recall`` of pages (:mod:`reliability.audits.sli`);
- ``months``: each calendar month's ``sla`` status under the variant's target (met, breached,
  insufficient_data), attainment and budget left.

``highest_target_met_every_month`` answers "what target could we have met": the lowest
monthly attainment over the months with enough data (``breached = attainment < target``, so
every target at or below it is met in each of them; attainment does not depend on the target).
"""

from __future__ import annotations

import dataclasses
import re
import statistics
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from fractions import Fraction

import duckdb

from reliability import periods, slos
from reliability.analysis import sla, timeline
from reliability.analysis.alerting import HOUR, LONGEST, AlertWindow, alert_windows
from reliability.audits import sli
from reliability.audits.scope import Scope
from reliability.errors import BadInput

_WINDOW = re.compile(r"^(page|ticket):(\d+)([mhd])/(\d+)([mhd]):(\d+(?:\.\d+)?)$")
_UNIT = {"m": 60, "h": HOUR, "d": 24 * HOUR}


def parse_window(text: str, option: str = "--window") -> AlertWindow:
    """``page:1h/5m:14.4``: severity, long/short window (m, h, d) and factor (burn rate)."""
    m = _WINDOW.match((text or "").strip())
    if not m:
        raise BadInput(f"expected SEVERITY:LONG/SHORT:FACTOR such as page:1h/5m:14.4, got {text!r}", field=option)
    long_s, short_s = int(m.group(2)) * _UNIT[m.group(3)], int(m.group(4)) * _UNIT[m.group(5)]
    factor = Fraction(Decimal(m.group(6)))
    if not (0 < short_s <= long_s) or factor <= 0:
        raise BadInput(f"the short window must be positive and at most the long one, the factor positive: {text!r}",
                       field=option)
    return AlertWindow(m.group(1), long_s, short_s, Fraction(0), factor)


def parse_target(text: str, option: str = "--target") -> float:
    """A target in percent (``99.5``) as the ratio 0.995."""
    try:
        value = Fraction(Decimal(text.strip().rstrip("%"))) / 100
    except (InvalidOperation, ValueError, AttributeError):
        value = None
    if value is None or not 0 < value < 1:
        raise BadInput(f"expected a target in percent below 100, such as 99.5, got {text!r}", field=option)
    if value <= Fraction(1, 100):  # 0.995 is a ratio written where a percentage was expected
        raise BadInput(f"a target is in percent: {text} means {float(value * 100):g} % — did you mean "
                       f"{float(value * 100 * 100):g}?", field=option)
    return float(Decimal(text.strip().rstrip("%")) / 100)


def with_target(slo, target: float):
    """The SLO with its first objective's target replaced."""
    first = dataclasses.replace(slo.objectives[0], target=target)
    return dataclasses.replace(slo, objectives=(first, *slo.objectives[1:]))


def _score(con, name: str, slo, tl: timeline.Timeline, sc: Scope, windows, incident: str | None,
           min_coverage: float) -> dict:
    tl, episodes, paged = sli.replayed(con, slo, sc.start, sc.end, tl=tl, windows=windows)
    judged = sli.judge(tl, episodes, paged, sc.start, sc.end, min_coverage=min_coverage)
    incidents = [i for i in paged if i["impact_end"] is not None]
    delays = [i["page_delay_minutes"] for i in incidents if i["paged"]]
    months = []
    for month in sc.months():
        row = sla.compute_periods(con, lambda s, m=month: periods.month(m, sla.slo_zone(s)), selected=[slo],
                                  min_coverage=min_coverage)[0]
        months.append({"month": month, "status": row.status, "attainment": row.attainment,
                       "error_budget_remaining": row.error_budget_remaining, "data_coverage": row.data_coverage,
                       "partial": row.partial})
    used = windows if windows is not None else alert_windows(slo)
    out = {
        "name": name, "target": slo.objectives[0].target, "alert_windows": [w.as_json() for w in used],
        "pages": judged["alerts"]["page"]["episodes"], "tickets": judged["alerts"]["ticket"]["episodes"],
        "incidents": len(incidents), "incidents_missed": sum(not i["paged"] for i in incidents),
        "missed": [i["id"] for i in incidents if not i["paged"]],
        "median_page_delay_minutes": statistics.median(delays) if delays else None,
        "precision": judged["alerts"]["page"]["precision"], "recall": judged["alerts"]["page"]["recall"],
        "silent_pages": sum(e["severity"] == "page" for e in judged["silent_burns"]),
        "months": months,
        **{f"months_{s}": sum(m["status"] == s for m in months) for s in sla.STATUSES},
        "episodes": [e.as_json() for e in episodes],
    }
    if incident is not None:
        found = next((i for i in paged if i["id"] == incident), None)
        out["incident"] = None if found is None else {
            **{k: found[k] for k in ("id", "severity", "impact_start", "impact_end", "detected_at", "paged",
                                     "first_page_at", "page_delay_minutes")},
            "ticketed": found["ticketd"],  # burn's key for "a ticket was open"
            **{k: found[k] for k in ("first_ticket_at", "ticket_delay_minutes")}}
    return out


def backtest(con: duckdb.DuckDBPyConnection, slo_name: str, sc: Scope, target: float | None = None,
             windows: list[AlertWindow] | None = None, incident: str | None = None,
             min_coverage: float = sla.DEFAULT_MIN_COVERAGE) -> dict:
    """The ``backtest`` document (see the module docstring)."""
    found = slos.load(con, slo_name)
    if not found:
        raise BadInput(f"no SLO named {slo_name!r} (see `reliability slo list`)", field="--slo")
    slo = found[0]
    lead = max([LONGEST] + [w.long_seconds for w in windows or []])
    tl = timeline.load(con, slo, timeline.align(sc.start - timedelta(seconds=lead), slo), sc.end)
    variants = [_score(con, "current", slo, tl, sc, None, incident, min_coverage)]
    if target is not None or windows:
        other = with_target(slo, target) if target is not None else slo
        other_tl = dataclasses.replace(tl, slo=other) if target is not None else tl
        variants.append(_score(con, "backtest", other, other_tl, sc, windows or None, incident, min_coverage))
    if incident is not None and variants[0]["incident"] is None:
        raise BadInput(f"{incident} is not an incident of {slo.service} whose impact overlaps "
                       f"{sc.label}", field="--incident")
    judged = [m for m in variants[0]["months"] if m["status"] != "insufficient_data" and m["attainment"] is not None]
    return {
        "slo": slo.name, "service": slo.service, "budgeting_method": slo.budgeting_method, **sc.as_json(),
        "incident": incident, "min_coverage": min_coverage,
        "highest_target_met_every_month": min((m["attainment"] for m in judged), default=None),
        "months_judged": len(judged),
        "variants": variants,
    }
