"""``audit sli``: do the SLIs and the alerts tell the truth? Per SLO over a range ``[start, end)``.

Everything reads the alert replay of ``burn`` (:mod:`reliability.analysis.burn`: the SLO's
multi-window alerts evaluated at every slice boundary of the range, its episodes, and per
incident whether a page or ticket was open during its impact) and the impact window of
``impact`` (``started_at`` else ``detected_at`` to ``mitigated_at`` else ``resolved_at``). The
incidents judged are the service's incidents whose impact window overlaps the range and has an
end.

- **Overlap.** An episode ``[s, e)`` (``e`` open when still firing at the range's end) and an
  impact window ``[a, b)`` overlap when ``s < b`` and ``e > a`` — the rule of ``burn``'s
  incidents check.
- **Blind spot**: an incident whose impact window *burned no budget* on this SLO: the burn
  rate over the slices starting in ``[a, b)`` (bad fraction / (1 − target), ``burn``'s exact
  burn rate; 0 without data) is at most ``blind_burn_rate`` (default 1: the window spent budget
  no faster than the SLO allows over its whole period, so the SLI did not see an outage;
  ``0`` keeps only windows that spent nothing at all). Also listed: ``data_coverage`` of the
  window (a window without data is a blind spot of the data, not of the SLI's definition).
- **Silent burn**: an episode (page or ticket) that overlaps no incident of the service.
- **Alert quality**, per severity (``page``, ``ticket``): ``precision`` = episodes overlapping
  an incident / episodes; ``recall`` = incidents overlapped by an episode / incidents (also by
  severity). ``page_delay`` = first page − impact start over the paged incidents (minutes;
  negative when the page was already firing). **Detected by other means**: incidents not paged,
  or first paged after ``detected_at``; their ``detection delay`` = ``detected_at`` − impact
  start. Distributions: count, min, median, p90 (nearest rank), max, mean.
"""

from __future__ import annotations

import math
import statistics
from datetime import datetime, timedelta

import duckdb

from reliability import slos, store
from reliability.analysis import burn, timeline
from reliability.analysis.alerting import LONGEST
from reliability.audits import scope
from reliability.audits.scope import Scope

DEFAULT_BLIND_BURN_RATE = 1.0
DEFAULT_MIN_COVERAGE = 0.9
SEVERITIES = ("SEV-1", "SEV-2", "SEV-3", "SEV-4")


def distribution(values: list[float]) -> dict:
    """count, min, median, p90 (nearest rank: the ⌈0.9·n⌉-th smallest), max and mean."""
    if not values:
        return {"count": 0, "min": None, "median": None, "p90": None, "max": None, "mean": None}
    ordered = sorted(values)
    return {"count": len(ordered), "min": ordered[0], "median": statistics.median(ordered),
            "p90": ordered[math.ceil(0.9 * len(ordered)) - 1], "max": ordered[-1],
            "mean": statistics.fmean(ordered)}


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def overlaps(ep_start: datetime, ep_end: datetime | None, a: datetime, b: datetime) -> bool:
    """An episode ``[ep_start, ep_end)`` (None: still firing) and a window ``[a, b)``."""
    return ep_start < b and (ep_end is None or ep_end > a)


def _window_slices(tl: timeline.Timeline, a: datetime, b: datetime) -> tuple[int, int]:
    """Slices starting in ``[a, b)``: ``[⌈a⌉, ⌈b⌉)`` on the slice grid."""
    w = tl.window_seconds
    first = -(-int((a - tl.start).total_seconds()) // w)
    last = -(-int((b - tl.start).total_seconds()) // w)
    return max(first, 0), min(last, tl.n)


def replayed(con: duckdb.DuckDBPyConnection, slo, start: datetime, end: datetime, tl: timeline.Timeline | None = None,
             windows=None) -> tuple[timeline.Timeline, list, list[dict]]:
    """(timeline, episodes, incidents paged) of ``burn``'s replay over ``[start, end)``;
    ``windows``: other alert windows (backtests), replayed by the plain computation."""
    if tl is None:
        tl = timeline.load(con, slo, timeline.align(start - timedelta(seconds=LONGEST), slo), end)
    if windows is None:
        episodes, _ = burn.replay(tl, start, end)
    else:
        episodes, _ = burn.plain_replay(tl, start, end, windows)
    return tl, episodes, burn.incidents_paged(con, slo, episodes, start, end)


def judge(tl: timeline.Timeline, episodes: list, paged: list[dict], start: datetime, end: datetime,
          blind_burn_rate: float = DEFAULT_BLIND_BURN_RATE, min_coverage: float = DEFAULT_MIN_COVERAGE) -> dict:
    """Blind spots, silent burns, precision/recall, page and detection delays of one SLO over
    ``[start, end)``, with the range's ``data_coverage`` (slices with data / slices) and a
    ``status``: ``insufficient_data`` below ``min_coverage`` — few alerts and no silent burn
    then mean little — else ``ok``."""
    incidents = [i for i in paged if i["impact_end"] is not None]
    blind = []
    for inc in incidents:
        first, last = _window_slices(tl, inc["impact_start"], inc["impact_end"])
        rate = burn.burn_rate(tl, first, last) if last > first else 0.0
        if rate <= blind_burn_rate:
            slices = last - first
            blind.append({"id": inc["id"], "severity": inc["severity"], "title": inc["title"],
                          "impact_start": inc["impact_start"], "impact_end": inc["impact_end"],
                          "burn_rate": rate, "bad": float(tl.bad[first:last].sum()) if slices else 0.0,
                          "data_coverage": float(tl.data[first:last].sum()) / slices if slices else None})
    windows = [(i["impact_start"], i["impact_end"]) for i in incidents]
    silent = []
    alerts = {}
    for kind in ("page", "ticket"):
        eps = [e for e in episodes if e.severity == kind]
        hit = [e for e in eps if any(overlaps(e.start, e.end, a, b) for a, b in windows)]
        for e in eps:
            if e not in hit:
                a, b = tl.index(e.start), tl.index(e.end or end)
                silent.append({**e.as_json(), "burn_rate": burn.burn_rate(tl, a, b),
                               "bad": float(tl.bad[max(a, 0):b].sum())})
        caught = [i for i in incidents if i[f"{kind}d"]]
        alerts[kind] = {
            "episodes": len(eps), "episodes_with_incident": len(hit), "precision": _ratio(len(hit), len(eps)),
            "incidents": len(incidents), "incidents_alerted": len(caught), "recall": _ratio(len(caught), len(incidents)),
            "recall_by_severity": {s: _ratio(sum(i[f"{kind}d"] for i in incidents if i["severity"] == s),
                                             sum(i["severity"] == s for i in incidents))
                                   for s in SEVERITIES if any(i["severity"] == s for i in incidents)},
        }
    silent.sort(key=lambda e: (e["start"], e["severity"]))
    other = [i for i in incidents if not i["paged"] or i["first_page_at"] > i["detected_at"]]
    # An incident detected by other means on one SLO may have been paged by another of its
    # service: the document's summary counts an incident only when no SLO paged first.
    other_ids = [i["id"] for i in other]
    i0, i1 = max(tl.index(start), 0), min(tl.index(end), tl.n)
    coverage = float(tl.data[i0:i1].sum()) / (i1 - i0) if i1 > i0 else None
    return {
        "data_coverage": coverage,
        "status": "insufficient_data" if coverage is None or coverage < min_coverage else "ok",
        "incidents": len(incidents),
        "summary": {"blind_spots": len(blind), "silent_burns": len(silent),
                    "silent_pages": sum(e["severity"] == "page" for e in silent),
                    "detected_by_other_means": len(other_ids)},
        "blind_spots": blind,
        "silent_burns": silent,
        "alerts": alerts,
        "page_delay_minutes": distribution([i["page_delay_minutes"] for i in incidents if i["paged"]]),
        "detected_by_other_means": [
            {"id": i["id"], "severity": i["severity"], "paged": i["paged"], "first_page_at": i["first_page_at"],
             "detected_at": i["detected_at"], "impact_start": i["impact_start"],
             "detection_delay_minutes": (i["detected_at"] - i["impact_start"]).total_seconds() / 60}
            for i in other],
        "detection_delay_minutes": distribution([(i["detected_at"] - i["impact_start"]).total_seconds() / 60
                                                 for i in other]),
        "paged_incidents": [{"id": i["id"], "severity": i["severity"], "page_delay_minutes": i["page_delay_minutes"],
                             "before_detection": i["first_page_at"] <= i["detected_at"]}
                            for i in incidents if i["paged"]],
    }


def audit(con: duckdb.DuckDBPyConnection, sc: Scope, slo_name: str | None = None,
          blind_burn_rate: float = DEFAULT_BLIND_BURN_RATE) -> dict:
    """The ``audit sli`` document over the scope's ``[start, end)``."""
    selected = scope.measured(con, sc.start, sc.end, slo_name)  # per-instance SLOs: their instances
    out = []
    for slo in selected:
        tl, episodes, paged = replayed(con, slo, sc.start, sc.end)
        out.append({"slo": slo.name, "service": slo.service, "sli": slo.sli,
                    "budgeting_method": slo.budgeting_method, "target": slo.objectives[0].target,
                    **judge(tl, episodes, paged, sc.start, sc.end, blind_burn_rate)})
    unseen = _unseen(out)
    measured = {s.service for s in slos.load(con)}
    # The widest blind spot: incidents of services no SLO measures at all.
    uncovered = [{"id": r["id"], "service": r["service"], "severity": r["severity"], "title": r["title"]}
                 for r in store.rows(con, "audits.incidents_detected", {"start": sc.start, "end": sc.end, "service": None})
                 if r["service"] not in measured]
    return {
        **sc.as_json(), "blind_burn_rate": blind_burn_rate,
        "summary": {"slos": len(out), "insufficient_data": sum(s["status"] == "insufficient_data" for s in out),
                    "blind_spots": sum(len(s["blind_spots"]) for s in out),
                    "incidents_no_slo_saw": len(unseen), "incidents_without_slo": len(uncovered),
                    "silent_burns": sum(len(s["silent_burns"]) for s in out),
                    "silent_pages": sum(e["severity"] == "page" for s in out for e in s["silent_burns"]),
                    "detected_by_other_means": len(_other_means(out))},
        "incidents_no_slo_saw": unseen,
        "incidents_without_slo": uncovered,
        "incidents_detected_by_other_means": _other_means(out),
        "slos": out,
    }


def _other_means(per_slo: list[dict]) -> list[str]:
    """Incidents no SLO of their service paged for before ``detected_at``."""
    judged, alerted = set(), set()
    for s in per_slo:
        judged |= {i["id"] for i in s["detected_by_other_means"]} | {i["id"] for i in s["paged_incidents"]}
        alerted |= {i["id"] for i in s["paged_incidents"] if i["before_detection"]}
    return sorted(judged - alerted)


def _unseen(per_slo: list[dict]) -> list[str]:
    """Incidents that are a blind spot of every SLO of their service."""
    by_service: dict[str, list[dict]] = {}
    for s in per_slo:
        by_service.setdefault(s["service"], []).append(s)
    out = set()
    for group in by_service.values():
        sets = [{b["id"] for b in s["blind_spots"]} for s in group]
        out |= set.intersection(*sets) if sets else set()
    return sorted(out)
