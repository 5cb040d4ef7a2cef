"""``reliability impact``: what an incident cost each SLO of its service (a post-mortem's Impact)."""

from __future__ import annotations

import click

from reliability.output import emit_json, fmt, table
from reliability.units import percent


@click.command("impact")
@click.option("--incident", "incident_id", default=None, help="One incident by id.")
@click.option("--month", default=None, metavar="YYYY-MM", help="Every incident detected in this month.")
@click.option("--tz", "tz", default="UTC", show_default=True, help="IANA time zone of --month.")
@click.option("--service", default=None, help="With --month: only this service.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
@click.pass_context
def impact(ctx, incident_id, month, tz, service, as_json) -> None:
    """SLA impact of incidents: bad minutes, failed/total requests, error budget spent.

    The window is started_at (else detected_at) to mitigated_at (else resolved_at), clipped to
    the SLO month it starts in; budget_spent is the incident's bad / the month's allowed bad.

    \b
    Example:
      reliability --db rel.duckdb impact --incident INC-0137 --json
    """
    from reliability import periods, store
    from reliability.api import rows as api
    from reliability.errors import BadInput

    if (incident_id is None) == (month is None):
        raise BadInput("give exactly one of --incident ID or --month YYYY-MM", field="--incident")
    if month is not None:
        periods.month(month, tz)
    with store.connect(ctx.obj["db"], read_only=True) as con:
        if incident_id is not None:
            doc = api.incident_impact(con, incident_id)
        else:
            doc = api.month_impacts(con, month, tz, service)
            api.warn_unusable(api.unusable_in_month(con, month))
    if as_json:
        emit_json(doc)
        return
    docs = [doc] if incident_id is not None else doc["incidents"]
    rows = [
        [d["id"], s["slo"], fmt(s.get("bad_minutes"), 1), fmt(s.get("failed"), 0), fmt(s.get("total"), 0),
         percent(s.get("failed_share"), 2), percent(s.get("budget_spent"), 1)]
        for d in docs for s in d["slos"]
    ]
    click.echo(table(["incident", "slo", "bad minutes", "failed (events)", "total (events)", "failed %",
                      "budget spent"], rows, right=(2, 3, 4, 5, 6)))


COMMANDS = [impact]
