"""``reliability mttx``: incident time metrics (mean, median, p90) by severity, service, team, month."""

from __future__ import annotations

import click

from reliability.commands.month_option import month_option

from reliability.output import emit_json, fmt, table
from reliability.units import duration


def _impact(group: dict) -> str:
    """Customer-impact minutes summed; incidents without an end of impact are unknown, never
    0 minutes: "-" when all of them are, else the sum and how many it leaves out."""
    missing = group.get("impact_missing") or 0
    if missing and missing >= group["count"]:
        return "-"
    total = fmt(group["customer_impact_minutes"], 0)
    return f"{total} ({missing} unknown)" if missing else total


def _cell(metric: dict) -> str:
    if not metric["n"]:
        return "-"
    return f"{duration(metric['mean_minutes'])} / {duration(metric['median_minutes'])} / {duration(metric['p90_minutes'])}"


@click.command("mttx")
@click.option("--start", default=None, metavar="YYYY-MM", help="First month (default: --months before --end).")
@click.option("--end", default=None, metavar="YYYY-MM", help="Last month, inclusive (default: latest incident).")
@click.option("--months", default=13, show_default=True, help="Months in the range when --start is not given.")
@click.option("--tz", "tz", default="UTC", show_default=True, help="IANA time zone of the months.")
@click.option("--service", default=None, help="Only this service.")
@click.option(
    "--by",
    type=click.Choice(["severity", "service", "team", "month"]),
    default="severity",
    show_default=True,
    help="Grouping shown in the table (--json has all of them).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
@click.pass_context
@month_option
def mttx(ctx, start, end, months, tz, service, by, as_json) -> None:
    """Time to detect, acknowledge, mitigate, resolve: mean, median and p90 (minutes).

    Over a range of months (default: the 13 months ending with the latest incident), by
    severity, service, team and month (the trend), with customer-impact minutes and MTBF per
    service. An incident missing a timestamp is left out of that metric only and counted in
    its "missing".

    \b
    Example:
      reliability --db rel.duckdb mttx --end 2026-10 --by service --json
    """
    from reliability import periods, store
    from reliability.api import incident_rows as api

    periods.zone(tz)
    with store.connect(ctx.obj["db"], read_only=True) as con:
        doc = api.mttx(con, start, end, tz, months=months, service=service)
    if as_json:
        emit_json(doc)
        return
    click.echo(f"Incidents detected {doc['start']} .. {doc['end']} ({tz}): {doc['overall']['count']}")
    click.echo("durations as mean / median / p90; impact: customer-impact minutes summed "
               "(N unknown: incidents with no end of impact, left out)")
    groups = [("all", doc["overall"])] + list(doc[f"by_{by}"].items())
    click.echo(
        table(
            [by, "count", "detect", "acknowledge", "mitigate", "resolve", "impact (min)"],
            [
                [name, g["count"], _cell(g["detect"]), _cell(g["acknowledge"]), _cell(g["mitigate"]),
                 _cell(g["resolve"]), _impact(g)]
                for name, g in groups
            ],
            right=(1, 2, 3, 4, 5, 6),
        )
    )


COMMANDS = [mttx]
