"""``reliability changes``: incidents after deployments and the change failure rate."""

from __future__ import annotations

import click

from reliability.commands.month_option import month_option

from reliability.output import emit_json, fmt, table
from reliability.units import duration, percent


@click.command("changes")
@click.option("--start", default=None, metavar="YYYY-MM", help="First month (default: all).")
@click.option("--end", default=None, metavar="YYYY-MM", help="Last month, inclusive (default: all).")
@click.option("--tz", "tz", default="UTC", show_default=True, help="IANA time zone of the months.")
@click.option("--hours", default=1.0, show_default=True, help="Correlation window after a deployment, hours.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
@click.pass_context
@month_option
def changes(ctx, start, end, tz, hours, as_json) -> None:
    """Which changes hurt: incidents detected within --hours after a deployment of the same
    service, and change failure rate = failed deployments / deployments per service and month
    (failed = rolled back, or followed by an incident within the window).

    \b
    Example:
      reliability --db rel.duckdb changes --start 2026-01 --end 2026-06 --hours 2 --json
    """
    from reliability import store
    from reliability.api import incident_rows as api

    with store.connect(ctx.obj["db"], read_only=True) as con:
        doc = api.changes(con, start, end, tz, hours=hours)
    if as_json:
        emit_json(doc)
        return
    click.echo(f"Incidents detected within {fmt(hours)} h after a deployment: {doc['incidents_after_deployments']}")
    click.echo(table(["incident", "deployment", "version", "detected after"],
                     [[p["incident_id"], p["deployment_id"], p["version"] or "", duration(p["minutes_after"])]
                      for p in doc["correlated"]], right=(3,)))
    click.echo("\nChange failure rate")
    click.echo(table(["service", "deployments", "failed", "rate"],
                     [[s, v["deployments"], v["failed"], percent(v["change_failure_rate"], 1)]
                      for s, v in doc["by_service"].items()], right=(1, 2, 3)))


COMMANDS = [changes]
