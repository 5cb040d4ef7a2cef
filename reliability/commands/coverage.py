"""``reliability coverage``: services and series with data but no SLO (docs/sla.md)."""

from __future__ import annotations

import click

from reliability.output import emit_json, fmt, iso_z, table
from reliability.units import count_of, percent


@click.command("coverage")
@click.option("--since", metavar="TIME", help="Only incidents and series rows from this instant on (default: all).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
@click.pass_context
def coverage(ctx: click.Context, since: str | None, as_json: bool) -> None:
    """SLO coverage: services that have incidents or SLI series but no SLO (what no roll-up
    shows), series of covered services that no SLO measures, and SLOs without any series.

    \b
    Example:
      reliability --db rel.duckdb coverage
      reliability --db rel.duckdb coverage --since 2026-01-01T00:00:00Z --json
    """
    from reliability import store
    from reliability.api import rows as api

    instant = api.parse_instant(since, "--since") if since else None
    with store.connect(ctx.obj["db"], read_only=True) as con:
        doc = api.coverage(con, instant)
    if as_json:
        emit_json(doc)
        return
    s = doc["summary"]
    click.echo(f"SLO coverage{' since ' + iso_z(instant) if instant else ''}: {s['services_with_slo']} of "
               f"{s['services_seen']} services have an SLO ({percent(s['slo_coverage'], 1)})")
    click.echo(table(["services seen", "with an SLO", "without", "SLO coverage"],
                     [[s["services_seen"], s["services_with_slo"], s["services_without_slo"],
                       percent(s["slo_coverage"], 1)]], right=(0, 1, 2, 3)))
    if doc["services_without_slo"]:
        click.echo("")
        click.echo("Services with incidents or series but no SLO:")
        click.echo(table(
            ["service", "incidents", "SEV-1/2", "last incident", "series (rows)", "labels"],
            [[u["service"], u["incidents"], u["major_incidents"], iso_z(u["last_detected"]) or "-",
              ", ".join(f"{x['sli']} ({fmt(x['rows'], 0)})" for x in u["series"]) or "-",
              ", ".join(f"{k}={'|'.join(v)}" for k, v in u["labels"].items()) or "-"]
             for u in doc["services_without_slo"]],
            right=(1, 2),
        ))
    else:
        click.echo("Every service with incidents or series has an SLO.")
    if doc["series_without_slo"]:
        click.echo("")
        click.echo("Series that no SLO measures: " + ", ".join(
            f"{x['service']}/{x['sli']} ({count_of(x['rows'], 'row')})" for x in doc["series_without_slo"]))
    if doc["slos_without_series"]:
        click.echo("")
        click.echo("SLOs without any series: " + ", ".join(
            f"{x['slo']} ({x['service']}/{x['sli']})" for x in doc["slos_without_series"]))


COMMANDS = [coverage]
