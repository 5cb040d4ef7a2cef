"""Which multi-window, multi-burn-rate table an SLO's rules use, and tables read from a file.

Built in (as in :func:`reliability.analysis.burn.alert_windows`): periods of 28 days or more
take the SRE workbook's table scaled to the period; a 7-day period takes Sloth's 7-day table.
Other periods shorter than 28 days have no table that makes sense — scaling the workbook's
shares down makes the ticket alert fire below burn rate 1, i.e. while the budget would last the
period — so ``reliability rules`` refuses them unless given a table: a file in Sloth's
``AlertWindows`` format (``apiVersion: sloth.slok.dev/v1``, ``kind: AlertWindows``,
``spec.sloPeriod`` and ``page``/``ticket`` × ``quick``/``slow`` rows of
``errorBudgetPercent``, ``shortWindow``, ``longWindow``), e.g. Sloth's own
``examples/windows/7d.yaml``.
"""

from __future__ import annotations

from fractions import Fraction

from reliability.analysis.alerting import HOUR, SEVEN_DAYS, WORKBOOK, AlertWindow, _dur, period_hours, scaled
from reliability.errors import BadInput
from reliability.openslo import SLO
from reliability.promql import duration_seconds

MIN_WORKBOOK_HOURS = 28 * 24


def load_sloth(path: str) -> tuple[Fraction, tuple]:
    """A Sloth AlertWindows file: (period hours, rows of (severity, long s, short s, share))."""
    import yaml

    try:
        with open(path, encoding="utf-8") as fh:
            doc = yaml.safe_load(fh)
    except OSError as exc:
        raise BadInput(f"cannot read: {exc.strerror}", file=path, field="--windows") from None
    except yaml.YAMLError as exc:
        raise BadInput(f"invalid YAML: {getattr(exc, 'problem', None) or exc}", file=path) from None
    if not isinstance(doc, dict) or doc.get("kind") != "AlertWindows" or not isinstance(doc.get("spec"), dict):
        raise BadInput("expected Sloth's AlertWindows (kind: AlertWindows with a spec)", file=path, field="kind")
    spec = doc["spec"]
    period = duration_seconds(str(spec.get("sloPeriod", "")))
    if period is None or period % HOUR:
        raise BadInput(f"expected a period such as 30d or 7d, got {spec.get('sloPeriod')!r}", file=path,
                       field="spec.sloPeriod")
    rows = []
    for severity in ("page", "ticket"):
        for speed in ("quick", "slow"):
            where = f"spec.{severity}.{speed}"
            row = (spec.get(severity) or {}).get(speed)
            if not isinstance(row, dict):
                raise BadInput("is required (errorBudgetPercent, shortWindow, longWindow)", file=path, field=where)
            pct = row.get("errorBudgetPercent")
            if isinstance(pct, bool) or not isinstance(pct, (int, float)) or not 0 < pct <= 100:
                raise BadInput(f"expected a percentage in (0, 100], got {pct!r}", file=path,
                               field=f"{where}.errorBudgetPercent")
            spans = {}
            for key in ("longWindow", "shortWindow"):
                seconds = duration_seconds(str(row.get(key, "")))
                if seconds is None or seconds % 60:
                    raise BadInput(f"expected a whole number of minutes such as 5m or 1h, got {row.get(key)!r}",
                                   file=path, field=f"{where}.{key}")
                spans[key] = int(seconds)
            if spans["shortWindow"] >= spans["longWindow"]:
                raise BadInput("shortWindow must be shorter than longWindow", file=path, field=f"{where}.shortWindow")
            rows.append((severity, spans["longWindow"], spans["shortWindow"], Fraction(str(pct)) / 100))
    return Fraction(int(period), HOUR), tuple(rows)


def for_rules(slo: SLO, path: str | None = None) -> tuple[list[AlertWindow], str]:
    """The alert windows for ``slo``'s rules and a line saying where they come from."""
    hours = period_hours(slo)
    if path is not None:
        file_hours, rows = load_sloth(path)
        if file_hours != hours:
            raise BadInput(f"the windows are for a {_dur(int(file_hours * HOUR))} period, SLO {slo.name!r} has a "
                           f"{_dur(int(hours * HOUR))} period ({slo.window.duration}; a month counts as 30d)",
                           file=path, field="spec.sloPeriod")
        return list(scaled(rows, hours)), f"alert windows from {path}"
    if hours == 7 * 24:
        return list(scaled(SEVEN_DAYS, hours)), "alert windows: Sloth's 7-day table (slok/sloth examples/windows/7d.yaml)"
    if hours >= MIN_WORKBOOK_HOURS:
        return list(scaled(WORKBOOK, hours)), f"alert windows: SRE workbook table 5-8, scaled to {_dur(int(hours * HOUR))}"
    ticket = min(float(aw.factor) for aw in scaled(WORKBOOK, hours))
    raise BadInput(
        f"SLO {slo.name!r} has a {slo.window.duration} period, much shorter than the 28-30 days the workbook's alert "
        f"windows are made for: scaled, its ticket alert would fire at burn rate {ticket:.2f}, below 1. Give the "
        "windows with --windows FILE (Sloth's AlertWindows format) or an AlertPolicy in the SLO",
        field="--windows")
