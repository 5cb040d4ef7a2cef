"""``reliability sla``: SLA compliance per SLO over calendar months (docs/sla.md)."""

from __future__ import annotations

import click

from reliability.commands.instance_option import instance_option, resolve
from reliability.output import emit_json, fmt, iso_z, table
# Statuses, targets and split periods read as reliability.units says.
from reliability.units import STATUS_TEXT, percent, split_text, status_text, target_text  # noqa: F401


@click.command("sla")
@click.option("--month", metavar="YYYY-MM", help="Calendar month, in each SLO's time zone.")
@click.option("--from", "first", metavar="YYYY-MM", help="History: first month (with --to).")
@click.option("--to", "last", metavar="YYYY-MM", help="History: last month, included (with --from).")
@click.option("--quarter", metavar="YYYY-Qn", help="Calendar quarter, in each SLO's time zone.")
@click.option("--year", metavar="YYYY", help="Calendar year, in each SLO's time zone.")
@click.option("--at", metavar="TIME", help="Rolling window ending at this instant (ISO 8601 with Z).")
@click.option("--window", metavar="DURATION", help="With --at: window length (28d, 30d, 1w); default each SLO's own.")
@click.option("--slo", "slo_name", metavar="NAME", help="Only this SLO (or instance: NAME{label=\"value\"}).")
@instance_option
@click.option(
    "--no-data",
    type=click.Choice(["good", "bad", "exclude"]),
    default="good",
    show_default=True,
    help="How slices with no row or total = 0 count.",
)
@click.option(
    "--maintenance",
    "maintenance_files",
    metavar="FILE",
    multiple=True,
    help="Also leave out these maintenance windows (CSV/JSON as for `ingest maintenance`; not stored).",
)
@click.option("--min-coverage", type=float, default=0.9, show_default=True, metavar="RATIO",
              help="Coverage (slices with data / slices) below which the status is insufficient_data.")
@click.option("--group-by", "group_by", metavar="LABEL",
              help="Also roll up by this label (team, tier, journey... or service): SLOs met / measured, "
                   "events- and time-weighted budgets per budgeting method.")
@click.option("--label", "label_filters", metavar="KEY=VALUE", multiple=True,
              help="Only SLOs with this label (repeatable: values of one key are alternatives, keys must all hold).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
@click.pass_context
def sla(
    ctx: click.Context,
    month: str | None,
    first: str | None,
    last: str | None,
    quarter: str | None,
    year: str | None,
    at: str | None,
    window: str | None,
    slo_name: str | None,
    no_data: str,
    maintenance_files: tuple[str, ...],
    min_coverage: float,
    group_by: str | None,
    label_filters: tuple[str, ...],
    as_json: bool,
    instance: tuple[str, ...] = (),
) -> None:
    """SLA compliance of every SLO (or one) over a calendar month, a range of months, a
    quarter, a year, or a rolling window ending at a given time.

    The period is the month (quarter, year) in the SLO's calendar.timeZone; a rolling window
    is [at - window, at) in UTC. For Timeslices with 1-minute slices, bad and allowed_bad are
    minutes of downtime and of allowed downtime. Slices that overlap a declared maintenance
    window of the SLO's service (`ingest maintenance`, or --maintenance FILE) are left out of
    the period: excluded_slices, maintenance_minutes, maintenance_windows.

    status is met, breached, or insufficient_data when data_coverage (slices with data /
    slices of the period) is below --min-coverage; a period not over yet or reaching past the
    newest data is partial, with data up to as_of.

    --group-by LABEL adds a roll-up per value of the label (and --label filters by labels): SLOs
    met / SLOs measured (an insufficient_data SLO is neither, and is listed), an events-weighted
    attainment and budget for Occurrences SLOs and a time-weighted budget for the others, never
    averaged across budgeting methods. A period during which the SLO's definition changed
    (`slo apply --effective-from`) is split at the change: each segment with its own target.

    \b
    Example:
      reliability --db rel.duckdb sla --month 2025-11 --slo ledger-availability --json
      reliability --db rel.duckdb sla --from 2025-01 --to 2025-12 --json
      reliability --db rel.duckdb sla --quarter 2025-Q4
      reliability --db rel.duckdb sla --at 2025-11-15T00:00:00Z --window 28d --json
      reliability --db rel.duckdb sla --month 2025-11 --maintenance planned.csv --json
      reliability --db rel.duckdb sla --month 2026-03 --group-by team
      reliability --db rel.duckdb sla --month 2026-03 --label tier=1 --group-by team --json
    """
    from reliability import store
    from reliability.api import rows as api
    from reliability.errors import BadInput

    slo_name = resolve(slo_name, instance)
    given = [name for name, v in (("--month", month), ("--from/--to", first or last), ("--quarter", quarter),
                                  ("--year", year), ("--at", at)) if v]
    if len(given) != 1:
        raise BadInput("give exactly one of --month, --from with --to, --quarter, --year or --at", field="--month")
    if (first is None) != (last is None):
        raise BadInput("--from and --to go together", field="--to" if last is None else "--from")
    if window and not at:
        raise BadInput("--window needs --at", field="--window")
    api.check_min_coverage(min_coverage)
    wanted = api.parse_label_filters(label_filters)
    grouping = (group_by, wanted) if group_by or wanted else None
    if group_by is not None and not group_by.strip():
        raise BadInput("expected a label key such as team", field="--group-by")
    extra = None
    if maintenance_files:
        from reliability.ingest.maintenance import read_windows

        extra = [w for _, items in read_windows(list(maintenance_files)) for w in items]
    kw = {"maintenance": extra, "min_coverage": min_coverage}
    if month is not None:
        with store.connect(ctx.obj["db"], read_only=True) as con:
            found = api.sla_month(con, month, slo_name, no_data, **kw)
        _show(found.rows, {"month": month}, month, no_data, min_coverage, as_json, grouping, slo_name, found.unusable,
              found.composites)
        return
    if first is not None:
        with store.connect(ctx.obj["db"], read_only=True) as con:
            months = api.sla_months(con, first, last, slo_name, no_data, **kw)
        api.warn_unusable(months[0][1].unusable if months else [])
        if as_json:
            head = {"from": first, "to": last, "no_data_policy": no_data, "min_coverage": min_coverage}
            if wanted:
                head["label_filter"] = api.label_filter_document(wanted)
            emit_json(head | {"months": [{"month": m} | _period_json(p.rows, grouping)
                                         | ({"composites": p.composites} if p.composites else {}) for m, p in months],
                              "unusable_series": months[0][1].unusable if months else []})
            return
        for m, p in months:
            _show(p.rows, {"month": m}, m, no_data, min_coverage, False, grouping, slo_name, journeys=p.composites)
            click.echo("")
        return
    if at is not None:
        instant = api.parse_instant(at, "--at")
        duration = api.parse_window(window) if window else None
        with store.connect(ctx.obj["db"], read_only=True) as con:
            found = api.sla_rolling(con, instant, duration, slo_name, no_data, **kw)
        head = {"at": instant, "window": window}
        _show(found.rows, head, f"window{' of ' + window if window else ''} ending {at}", no_data, min_coverage,
              as_json, grouping, slo_name, found.unusable)
        return
    kind, text = ("quarter", quarter) if quarter else ("year", year)
    with store.connect(ctx.obj["db"], read_only=True) as con:
        found = api.sla_span(con, kind, text, slo_name, no_data, **kw)
    _show(found.rows, {kind: text}, text, no_data, min_coverage, as_json, grouping, slo_name, found.unusable)


def _period_json(rows: list, grouping: tuple | None) -> dict:
    """One period's ``slos`` (with their labels and roll-ups when grouping or filtering)."""
    from reliability.api import rows as api

    key, wanted = grouping or (None, ())
    return api.sla_document(rows, key, wanted, grouping is not None)


def _show(rows: list, head: dict, label: str, no_data: str, min_coverage: float, as_json: bool,
          grouping: tuple | None = None, slo_name: str | None = None, bad: list | None = None,
          journeys: list | None = None) -> None:
    from reliability.api import rows as api

    api.warn_unusable(bad or [])
    if as_json:
        doc = head | {"no_data_policy": no_data, "min_coverage": min_coverage}
        if grouping and grouping[1]:
            doc["label_filter"] = api.label_filter_document(grouping[1])
        emit_json(doc | _period_json(rows, grouping) | {"unusable_series": bad or []}
                  | ({"composites": journeys} if journeys else {}))
        return
    if journeys and not rows:
        from reliability.commands.composite_table import show

        show(journeys, label)
        return
    if grouping is not None:
        every = rows
        rows = api.keep_labelled(rows, grouping[1])
        if every and not rows:
            click.echo(f"no SLO has the labels {', '.join(f'{k}={v}' for k, v in grouping[1])}")
            return
    if not rows and slo_name:  # it exists (else bad input): its first version takes effect later
        click.echo(f"{slo_name} was not defined yet in {label} (see `reliability slo history {slo_name}`)")
        return
    if not rows:
        click.echo("no SLOs defined (see `reliability slo apply`)")
        return
    click.echo(f"SLA compliance, {label} (no-data slices count as {no_data})")
    multi = {r.slo for r in rows if r.objective is not None and sum(x.slo == r.slo for x in rows) > 1}
    click.echo(
        table(
            ["slo", "method", "target", "attainment", "bad", "allowed", "unit", "budget left", "coverage", "status"],
            [
                [
                    f"{r.slo} [{r.objective}]" if r.slo in multi else r.slo,
                    r.budgeting_method,
                    target_text(r.target),
                    percent(r.attainment, 4),
                    fmt(r.bad, 2),
                    fmt(r.allowed_bad, 2),
                    r.unit,
                    percent(r.error_budget_remaining, 1),
                    percent(r.data_coverage, 1),
                    status_text(r.status, r.partial),
                ]
                for r in rows
            ],
            right=(2, 3, 4, 5, 7, 8),
        )
    )
    for r in rows:
        if r.history and "segments" in r.history:
            click.echo(split_text(r))
    for r in rows:
        if r.excluded_slices:
            click.echo(f"{r.slo}: {fmt(r.maintenance_minutes, 2)} minutes of maintenance left out of the period"
                       f" ({', '.join(r.maintenance_windows)})")
    short = sorted({r.slo for r in rows if r.status == "insufficient_data"})
    if short:
        click.echo(f"insufficient data (coverage below {percent(min_coverage, 1)}, --min-coverage): no verdict for "
                   f"{', '.join(short)}")
    partial = sorted({(iso_z(r.as_of), r.slo) for r in rows if r.partial and r.status != "insufficient_data"})
    for as_of in sorted({a for a, _ in partial}):
        names = [name for a, name in partial if a == as_of]
        click.echo(f"partial: data only up to {as_of} for {', '.join(names)}; the status may still change")
    if journeys:  # composite SLOs after the SLOs they are made of
        from reliability.commands.composite_table import show

        click.echo("")
        show(journeys, label)
    if grouping is not None:
        click.echo("")
        click.echo(rollup_table(rows, grouping[0]))


def rollup_table(rows: list, key: str | None) -> str:
    """The roll-up of ``rows`` (by ``key`` when given, and all of them) as a table, with its rule."""
    from reliability.api import rows as api

    found = [(v if v is not None else f"(no {key})", api.rollup(m))
             for v, m in api.split_by_label(rows, key, lambda r: r.labels, lambda r: r.service)] if key else []
    found.append(("all", api.rollup(rows)))

    def method(g: dict, name: str, field: str) -> str:
        block = g["by_method"].get(name)
        return percent(block.get(field), 2) if block else "-"

    text = table(
        [f"by {key}" if key else "selection", "SLOs", "met", "breached", "no verdict", "met / measured",
         "Occurrences attainment", "Occurrences budget left", "Timeslices budget left", "RatioTimeslices budget left"],
        [[name, g["slos"], g["met"], g["breached"], g["insufficient_data"], percent(g["compliance"], 1),
          method(g, "Occurrences", "attainment"), method(g, "Occurrences", "error_budget_remaining"),
          method(g, "Timeslices", "error_budget_remaining"), method(g, "RatioTimeslices", "error_budget_remaining")]
         for name, g in found],
        right=(1, 2, 3, 4, 5, 6, 7, 8, 9),
    )
    notes = [f"  no verdict in {name}: {', '.join(g['insufficient_data_slos'])}" for name, g in found[:-1]
             if g["insufficient_data_slos"]]
    rule = ("met / measured: SLOs with insufficient data are neither met nor measured; Occurrences "
            "events-weighted, Timeslices and RatioTimeslices time-weighted, never across methods; each instance of a "
            "per-instance SLO counts as one SLO, so SLOs here are SLO instances")
    return "\n".join([text, *notes, rule])


COMMANDS = [sla]
