"""Roll-ups by label: how reliable each team, tier or journey is (docs/sla.md, "Roll-ups").

Labels are OpenSLO ``metadata.labels`` (:mod:`reliability.openslo.labels`); ``service`` is a
built-in key (an SLO's service, an incident's service). A roll-up states its rule, the same on
every surface (:data:`RULE`):

- **compliance** = SLOs met / SLOs measured, where measured = met + breached. An SLO with
  ``insufficient_data`` is neither met nor measured; it is counted and listed apart. With no
  SLO measured, compliance is null (never 100 %).
- **by budgeting method**, never across methods: Occurrences SLOs are **events-weighted**
  (``attainment = Σgood / Σtotal``, ``error_budget_remaining = 1 − Σbad / Σallowed_bad``, in
  events); Timeslices and RatioTimeslices SLOs are **time-weighted** (bad and allowed minutes:
  ``bad`` × slice minutes; ``error_budget_remaining = 1 − Σbad minutes / Σallowed minutes``).
  Only measured SLOs (with a verdict) enter these sums; a period split at a definition change
  whose segments have different methods (``combined: worst_of_segments``) has no numbers to add
  and is only counted.
- An SLO with several values of the label counts in each of their groups; an SLO without the
  label is in the group whose value is null. Each objective of an SLO counts as one SLO, and
  each instance of a per-instance SLO as one SLO: a roll-up counts SLO instances, while the
  fleet KPIs (report, overview) count SLOs without grouping labels. The two rules stay apart
  because ``slos``/``met`` of ``sla --group-by`` are documented JSON fields; each surface
  states its rule where the number shows (this text is ``rollup_rule``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

from reliability.errors import BadInput

RULE = (
    "compliance = met / measured (measured = met + breached); insufficient_data SLOs are neither met nor "
    "measured and are listed apart; by_method adds numbers within one budgeting method only: Occurrences "
    "events-weighted (attainment = sum good / sum total, budget = 1 - sum bad / sum allowed_bad), Timeslices "
    "and RatioTimeslices time-weighted (budget = 1 - sum bad minutes / sum allowed minutes); an SLO with several "
    "values of the label is in each of their groups; each objective counts as one SLO, and each instance of a "
    "per-instance SLO (grouping labels: one per customer, say) as one SLO, so SLOs here are SLO instances (the "
    "fleet compliance of the monthly review and the app's overview counts the SLOs without grouping labels "
    "instead and summarises instances apart)"
)
BUILT_IN = ("service",)


def parse_filters(items: Iterable[str], option: str = "--label") -> list[tuple[str, str]]:
    """``KEY=VALUE`` options as pairs (bad input otherwise)."""
    out = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise BadInput(f"expected KEY=VALUE (e.g. team=payments), got {item!r}", field=option)
        out.append((key.strip(), value.strip()))
    return out


def values_of(labels: tuple, service: str | None, key: str) -> tuple[str | None, ...]:
    """The group values of one SLO (or service) for ``key``: ``(None,)`` without the label."""
    if key == "service" and key not in dict(labels):
        return (service,)
    return dict(labels).get(key) or (None,)


def matches(labels: tuple, service: str | None, wanted: Sequence[tuple[str, str]]) -> bool:
    """Whether every key of ``wanted`` holds (values of one key are alternatives)."""
    by_key: dict[str, set[str]] = {}
    for key, value in wanted:
        by_key.setdefault(key, set()).add(value)
    return all(set(values_of(labels, service, key)) & accepted for key, accepted in by_key.items())


def keep(rows: Sequence, wanted: Sequence[tuple[str, str]]) -> list:
    """The rows (with ``labels`` and ``service``) whose labels match ``wanted``."""
    if not wanted:
        return list(rows)
    return [r for r in rows if matches(r.labels, r.service, wanted)]


def filter_document(wanted: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    """``--label`` options as JSON shows them: key → accepted values."""
    out: dict[str, list[str]] = {}
    for key, value in wanted:
        out.setdefault(key, []).append(value)
    return out


def split(items: Sequence, key: str, labels_of: Callable[[Any], tuple], service_of: Callable[[Any], str | None]):
    """``[(value, items)]`` by the values of ``key``, sorted by value, the null group last."""
    groups: dict[str | None, list] = {}
    for item in items:
        for value in values_of(labels_of(item), service_of(item), key):
            groups.setdefault(value, []).append(item)
    return sorted(groups.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))


def _exact(value: float | int | None) -> Fraction:
    """A row's number as the decimal JSON prints (41.76, not its binary neighbour): each was
    rounded once from an exact value, so sums over them stay exact for decimal inputs."""
    return Fraction(Decimal(repr(value or 0)))


def _ratio(num: Fraction, den: Fraction) -> float | None:
    return float(num / den) if den else None


def rollup(rows: Sequence) -> dict:
    """The roll-up of SLA rows (:class:`reliability.analysis.sla.SlaRow`) by :data:`RULE`."""
    def name(r) -> str:
        multi = sum(x.slo == r.slo for x in rows) > 1 and r.objective
        return f"{r.slo} [{r.objective}]" if multi else r.slo

    met = [r for r in rows if r.status == "met"]
    breached = [r for r in rows if r.status == "breached"]
    short = [r for r in rows if r.status == "insufficient_data"]
    measured = met + breached
    by_method: dict[str, dict] = {}
    for method in ("Occurrences", "Timeslices", "RatioTimeslices"):
        mine = [r for r in rows if r.budgeting_method == method]
        if not mine:
            continue
        counted = [r for r in mine if r.status != "insufficient_data" and r.bad is not None]
        block: dict[str, Any] = {
            "slos": len(mine), "measured": sum(r.status != "insufficient_data" for r in mine),
            "met": sum(r.status == "met" for r in mine),
        }
        if method == "Occurrences":
            good = sum((_exact(r.good) for r in counted), Fraction(0))
            total = sum((_exact(r.total) for r in counted), Fraction(0))
            bad = sum((_exact(r.bad) for r in counted), Fraction(0))
            allowed = sum((_exact(r.allowed_bad) for r in counted), Fraction(0))
            block |= {"weighting": "events", "good": float(good), "total": float(total),
                      "attainment": _ratio(good, total), "bad": float(bad), "allowed_bad": float(allowed)}
        else:
            bad = sum((_exact(r.bad) * _exact(r.time_slice_window_minutes) for r in counted), Fraction(0))
            allowed = sum((_exact(r.allowed_bad) * _exact(r.time_slice_window_minutes) for r in counted),
                          Fraction(0))
            block |= {"weighting": "time", "bad_minutes": float(bad), "allowed_bad_minutes": float(allowed)}
        block["error_budget_remaining"] = (
            float(1 - bad / allowed) if allowed else (1.0 if counted and bad == 0 else None))
        by_method[method] = block
    return {
        "slos": len(rows),
        "met": len(met),
        "breached": len(breached),
        "insufficient_data": len(short),
        "measured": len(measured),
        "compliance": float(Fraction(len(met), len(measured))) if measured else None,
        "breached_slos": [name(r) for r in breached],
        "insufficient_data_slos": [name(r) for r in short],
        "by_method": by_method,
    }


def sla_groups(rows: Sequence, key: str) -> list[dict]:
    """``[{"key", "value", ...rollup}]`` of SLA rows by label ``key``."""
    return [{"key": key, "value": value} | rollup(members)
            for value, members in split(rows, key, lambda r: r.labels, lambda r: r.service)]


def sla_document(rows: Sequence, key: str | None) -> dict:
    """What ``sla --group-by``/``--label`` add to a period's document: the roll-up of all its
    (selected) rows, and of each group when ``key`` is given, with the rule."""
    out: dict[str, Any] = {"rollup_rule": RULE, "all": rollup(rows)}
    if key:
        out["group_by"] = key
        out["groups"] = sla_groups(rows, key)
    return out


def labels_of_services(con) -> dict[str, tuple]:
    """Each service's labels, for views by service (incidents): its Service document's labels,
    else each key its SLOs carry with the same values (a key its SLOs disagree on is left out;
    an SLO without the key does not disagree)."""
    from reliability import slos

    out = dict(slos.service_labels(con))
    seen: dict[str, dict[str, set]] = {}
    for slo in slos.load(con):
        if slo.service not in out:
            for key, values in slo.labels:
                seen.setdefault(slo.service, {}).setdefault(key, set()).add(values)
    for service, keys in seen.items():
        agreed = tuple(sorted((k, next(iter(v))) for k, v in keys.items() if len(v) == 1))
        if agreed:
            out[service] = agreed
    return out


def budget_rollup(reports: Sequence[dict], window_minutes: dict[str, float]) -> dict:
    """The roll-up of ``budget`` reports: SLOs per policy status (exhausted and at-risk ones
    named), and per budgeting method the budget left, events-weighted for Occurrences and
    time-weighted (``window_minutes`` per SLO) for the others; SLOs with insufficient data are
    counted and listed, never added."""
    statuses = ("healthy", "at_risk", "exhausted", "insufficient_data")
    out: dict[str, Any] = {"slos": len(reports)} | {s: sum(r["status"] == s for r in reports) for s in statuses}
    out["exhausted_slos"] = [r["slo"] for r in reports if r["status"] == "exhausted"]
    out["at_risk_slos"] = [r["slo"] for r in reports if r["status"] == "at_risk"]
    out["insufficient_data_slos"] = [r["slo"] for r in reports if r["status"] == "insufficient_data"]
    by_method = {}
    for method in ("Occurrences", "Timeslices", "RatioTimeslices"):
        mine = [r for r in reports if r["budgeting_method"] == method]
        if not mine:
            continue
        counted = [r for r in mine if r["status"] != "insufficient_data"]
        scale = (lambda r: Fraction(1)) if method == "Occurrences" else (lambda r: _exact(window_minutes[r["slo"]]))
        bad = sum((_exact(r["bad"]) * scale(r) for r in counted), Fraction(0))
        allowed = sum((_exact(r["allowed_bad"]) * scale(r) for r in counted), Fraction(0))
        unit = "events" if method == "Occurrences" else "minutes"
        by_method[method] = {
            "slos": len(mine), "measured": len(counted),
            "weighting": "events" if method == "Occurrences" else "time",
            f"bad_{unit}" if unit == "minutes" else "bad": float(bad),
            f"allowed_bad_{unit}" if unit == "minutes" else "allowed_bad": float(allowed),
            "error_budget_remaining": float(1 - bad / allowed) if allowed else (1.0 if counted and bad == 0 else None),
        }
    out["by_method"] = by_method
    return out


def incident_groups(rows: Sequence[dict], key: str, service_labels: dict, summarise: Callable) -> list[dict]:
    """Incidents (``incidents.timing_rows``) by the label ``key`` of their service, each group
    summarised by ``summarise(rows)`` (the ``incidents`` metrics)."""
    return [
        {"key": key, "value": value, "services": sorted({r["service"] for r in members})} | summarise(members)
        for value, members in split(rows, key, lambda r: service_labels.get(r["service"], ()), lambda r: r["service"])
    ]
