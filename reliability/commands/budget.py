"""``reliability budget``: error-budget burn-down, policy status and exhaustion forecast."""

from __future__ import annotations

import click

from reliability.commands.instance_option import instance_option, resolve
from reliability.output import emit_json, fmt, iso_z, table
from reliability.units import percent


@click.command("budget")
@click.option("--month", required=True, metavar="YYYY-MM", help="Calendar month, in each SLO's time zone.")
@click.option("--slo", "slo_name", metavar="NAME", help="Only this SLO (or instance: NAME{label=\"value\"}).")
@instance_option
@click.option("--step", metavar="DURATION", help="Burn-down points every DURATION (e.g. 1h); default daily at local midnight.")
@click.option("--at", "as_of", metavar="TIME", help="As of this instant (default: the month's end, or now).")
@click.option("--at-risk", type=float, default=0.25, show_default=True,
              help="Budget remaining (ratio) below which the policy status is at_risk.")
@click.option("--min-coverage", type=float, default=0.9, show_default=True, metavar="RATIO",
              help="Coverage (slices with data / slices so far) below which the status is insufficient_data.")
@click.option("--group-by", "group_by", metavar="LABEL",
              help="Also roll up by this label (or service): SLOs per policy status, budget left per budgeting method.")
@click.option("--label", "label_filters", metavar="KEY=VALUE", multiple=True,
              help="Only SLOs with this label (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
@click.pass_context
def budget(ctx: click.Context, month: str, slo_name: str | None, step: str | None, as_of: str | None,
           at_risk: float, min_coverage: float, group_by: str | None, label_filters: tuple[str, ...],
           as_json: bool, instance: tuple[str, ...] = ()) -> None:
    """Error budget of every SLO (or one) over a calendar month: remaining budget over time
    (daily points, finer with --step), the error-budget policy status (healthy / at_risk /
    exhausted, or insufficient_data when less than --min-coverage of the slices so far have
    data) and when the budget runs out at the burn rate of the last 1 and 7 days. "exhausted
    since" is when the budget became spent for good (as of --at); an Occurrences budget grows
    with traffic, so it can be spent for a while early in a month and recover
    (first_exhausted_at in the JSON). A month is partial by `sla`'s rule (--at before its end,
    or its series stopped earlier: data_until says when); a forecast over a window without
    data is unknown ("no data").

    The burn-down uses the SLO's definition in force at --at (else at the month's end); a month
    during which the definition changed lists the change (definition_changes) and `sla` splits
    it. --group-by LABEL and --label KEY=VALUE roll the budgets up by label.

    \b
    Example:
      reliability --db rel.duckdb budget --month 2026-03 --slo search-availability --json
      reliability --db rel.duckdb budget --month 2026-03 --at 2026-03-17T18:00:00Z --step 1h
      reliability --db rel.duckdb budget --month 2026-03 --group-by team
    """
    from reliability import periods, slos, store
    from reliability.api import rows as api
    from reliability.errors import BadInput

    periods.parse_month(month)
    slo_name = resolve(slo_name, instance)
    step_seconds = None
    if step:
        d = api.parse_window(step, "--step")
        if d.seconds is None or d.seconds < 60:
            raise BadInput(f"expected a fixed step of at least 1m (m, h, d, w), got {step!r}", field="--step")
        step_seconds = d.seconds
    instant = api.parse_instant(as_of, "--at") if as_of else None
    if not 0 <= at_risk <= 1:
        raise BadInput(f"expected a ratio between 0 and 1, got {at_risk}", field="--at-risk")
    api.check_min_coverage(min_coverage)
    wanted = api.parse_label_filters(label_filters)
    grouping = bool(group_by or wanted)
    with store.connect(ctx.obj["db"], read_only=True) as con:
        selected = slos.load(con, slo_name)
        comps = api.composites(con, slo_name) if slo_name and not selected else []
        if comps:  # a composite SLO: its month so far and its daily points
            doc = api.composite_budget(con, comps[0], month, instant, min_coverage=min_coverage)
            if as_json:
                emit_json(doc)
                return
            row = doc["row"] or {}
            click.echo(f"{slo_name} (composite): budget left {percent(row.get('error_budget_remaining'), 1)}, "
                       f"status {str(row.get('status', 'insufficient_data')).replace('_', ' ')}")
            click.echo(table(["at", "attainment", "budget left", "status"],
                             [[iso_z(p["at"]), percent(p["attainment"], 4), percent(p["remaining"], 2),
                               p["status"].replace("_", " ")] for p in doc["points"]], right=(1, 2)))
            return
        if slo_name and not selected:
            raise BadInput(f"no SLO named {slo_name!r} (see `reliability slo list`)", field="--slo")
        selected = api.expand_instances(con, selected, lambda s: periods.month(month, api.slo_zone(s)))
        doc = api.budget_document(con, month, selected, instant, step_seconds, at_risk, min_coverage,
                                    step_text=step, group_by=group_by, wanted=wanted)
    reports = doc["slos"]
    if as_json:
        emit_json(doc)
        return
    click.echo(table(
        ["slo", "budget left", "coverage", "status", "exhausted since", "runs out (1d rate)", "runs out (7d rate)"],
        [[r["slo"], percent(r["error_budget_remaining"], 1), percent(r["data_coverage"], 1),
          r["status"].replace("_", " ") + (" (partial)" if r["partial"] else ""), iso_z(r["exhausted_at"]) or "-",
          *[_runs_out(f) for f in r["forecast"]]] for r in reports],
        right=(1, 2),
    ))
    partial = sorted({(iso_z(r["data_until"]), r["slo"]) for r in reports
                      if r["partial"] and r["status"] != "insufficient_data"})
    for until in sorted({a for a, _ in partial}):  # as `sla` says it: why the month is partial
        names = [name for a, name in partial if a == until]
        click.echo(f"partial: data only up to {until} for {', '.join(names)}; the status may still change")
    for r in reports:
        for c in r.get("definition_changes", ()):
            click.echo(f"{r['slo']}: definition changed at {iso_z(c['effective_from'])} (version {c['version']}); "
                       f"this burn-down uses version {r['version']} throughout, `sla` splits the month")
    if grouping and reports:
        found = [(g["value"] if g["value"] is not None else f"(no {group_by})", g) for g in doc.get("groups", [])]
        found.append(("all", doc["all"]))
        click.echo("")
        click.echo(table(
            [f"by {group_by}" if group_by else "selection", "SLOs", "healthy", "at risk", "exhausted", "no verdict",
             "Occurrences budget left", "Timeslices budget left", "RatioTimeslices budget left"],
            [[name, g["slos"], g["healthy"], g["at_risk"], g["exhausted"], g["insufficient_data"],
              *[percent(g["by_method"].get(m, {}).get("error_budget_remaining"), 1) if m in g["by_method"] else "-"
                for m in ("Occurrences", "Timeslices", "RatioTimeslices")]] for name, g in found],
            right=(1, 2, 3, 4, 5, 6, 7, 8),
        ))
    if slo_name and reports:
        click.echo("")
        unit = reports[0]["budget_unit"]
        click.echo(table(["at", f"bad ({unit})", f"allowed ({unit})", "budget left"],
                         [[iso_z(p["at"]), fmt(p["bad"], 2), fmt(p["allowed_bad"], 2), percent(p["remaining"], 2)]
                          for p in reports[0]["points"]], right=(1, 2, 3)))



def _runs_out(forecast: dict) -> str:
    """A forecast cell: a budget already spent ran out in the past ("exhausted since" says
    when), so it is "already spent", never a time that reads as a future exhaustion."""
    if forecast["minutes_to_exhaustion"] == 0:
        return "already spent"
    if forecast["exhausts_this_period"] is None:  # no data in the window: the rate is unknown
        return "no data"
    return iso_z(forecast["exhausts_at"]) or "not this period"


COMMANDS = [budget]
