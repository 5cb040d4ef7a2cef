"""``reliability recurrence``: repeat incidents, similar titles, frequency classes, when, related."""

from __future__ import annotations

import click

from reliability.commands.month_option import month_option

from reliability.output import emit_json, table
from reliability.units import duration


@click.command("recurrence")
@click.option("--start", default=None, metavar="YYYY-MM", help="First month of later incidents (default: all).")
@click.option("--end", default=None, metavar="YYYY-MM", help="Last month, inclusive (default: all).")
@click.option("--tz", "tz", default="UTC", show_default=True, help="IANA zone of the months, weekdays and hours.")
@click.option("--window-days", "days", default=90, show_default=True, help="Repeat window, days (inclusive).")
@click.option("--similarity", default=0.9, show_default=True, help="Jaro-Winkler title similarity threshold (0..1].")
@click.option("--incident", default=None, help="Also list the incidents related to this one, with reasons.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
@click.pass_context
@month_option
def recurrence(ctx, start, end, tz, days, similarity, incident, as_json) -> None:
    """What keeps coming back: repeats, similar titles, frequency classes, weekday x hour.

    A repeat is a later incident of the same service with the same root cause within
    --window-days. Frequency classes follow PagerDuty: Frequent (alike incidents >= 20 % of the
    service's incidents in the prior 30 days), Rare (<= 5 %), Anomaly (none alike), else
    Occasional.

    \b
    Example:
      reliability --db rel.duckdb recurrence --incident INC-0137 --json
    """
    from reliability import store
    from reliability.api import incident_rows as api

    api.check_recurrence_options(days, similarity)
    with store.connect(ctx.obj["db"], read_only=True) as con:
        doc = api.recurrence(con, start, end, tz, days=days, threshold=similarity, incident=incident)
    if as_json:
        emit_json(doc)
        return
    click.echo(f"Repeats (same service and root cause within {days} days): {doc['repeat_count']}")
    click.echo(table(["earlier", "later", "service", "gap", "root cause"],
                     [[r["earlier"], r["later"], r["service"], duration(r["gap_minutes"]), (r["root_cause"] or "")[:60]]
                      for r in doc["repeats"]], right=(3,)))
    click.echo("\nFrequency classes by service")
    click.echo(table(["service", "Frequent", "Occasional", "Rare", "Anomaly"],
                     [[s, *c.values()] for s, c in doc["frequency_by_service"].items()], right=(1, 2, 3, 4)))
    if incident is not None:
        click.echo(f"\nRelated to {incident}")
        click.echo(table(["incident", "reasons"],
                         [[r["id"], ", ".join(x["reason"] for x in r["reasons"])] for r in doc["related"]]))


COMMANDS = [recurrence]
