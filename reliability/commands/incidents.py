"""``reliability incidents``: incident metrics per month (docs/incidents.md)."""

from __future__ import annotations

import click

from reliability.output import emit_json, table
from reliability.units import duration, percent


@click.command("incidents")
@click.option("--month", required=True, metavar="YYYY-MM", help="Incidents detected in this month.")
@click.option("--tz", "tz", default="UTC", show_default=True, help="IANA time zone of the month.")
@click.option("--service", default=None, help="Only this service.")
@click.option(
    "--ack-target",
    "ack_targets",
    multiple=True,
    metavar="SEV-N=MINUTES",
    help="Override a response target, e.g. SEV-2=10 or SEV-4=next-business-day (repeatable).",
)
@click.option("--holiday", "holidays", multiple=True, metavar="YYYY-MM-DD",
              help="Not a business day for the next-business-day target (local date in --tz; repeatable).")
@click.option("--group-by", "group_by", metavar="LABEL",
              help="Also by this label of each incident's service (its Service document's labels, else the "
                   "labels all its SLOs share; or service).")
@click.option("--label", "label_filters", metavar="KEY=VALUE", multiple=True,
              help="Only incidents of services with this label (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
@click.pass_context
def incidents(
    ctx: click.Context, month: str, tz: str, service: str | None, ack_targets: tuple[str, ...],
    holidays: tuple[str, ...], group_by: str | None, label_filters: tuple[str, ...], as_json: bool,
) -> None:
    """Incident metrics for a month: MTTA, MTTR (mean and median), response targets.

    An incident belongs to the month (in --tz) in which it was detected. TTA =
    acknowledged_at - detected_at, TTR = resolved_at - detected_at, in minutes.

    With --group-by LABEL (and --label KEY=VALUE filters) the incidents are also summarised per
    value of their service's label, e.g. per team.

    \b
    Example:
      reliability --db rel.duckdb incidents --month 2025-11 --tz Europe/Berlin --json
      reliability --db rel.duckdb incidents --month 2026-03 --group-by team
    """
    from reliability import periods, store
    from reliability.api import incident_rows as api
    from reliability.api.rows import parse_label_filters

    targets = api.parse_ack_targets(ack_targets)
    days_off = api.parse_holidays(holidays)
    wanted = parse_label_filters(label_filters)
    periods.month(month, tz)  # validate the options before touching the database
    with store.connect(ctx.obj["db"], read_only=True) as con:
        report = api.incidents_document(con, month, tz, service=service, targets=targets, holidays=days_off,
                                        group_by=group_by, wanted=wanted)
    if as_json:
        emit_json(report)
        return
    click.echo(f"Incidents detected in {month} ({tz}): {report['count']}")
    groups = [("all", report["overall"] | {"count": report["count"]})]
    groups += list(report["by_severity"].items())
    click.echo(
        table(
            ["severity", "count", "MTTD", "MTTA", "MTTR", "MTTR median", "ack target met", "ack unknown"],
            [
                [
                    name,
                    g["count"],
                    duration(g.get("mttd_minutes")),
                    duration(g.get("mtta_minutes")),
                    duration(g.get("mttr_minutes")),
                    duration(g.get("mttr_minutes_median")),
                    percent(g.get("ack_target_met"), 1),
                    g.get("ack_unknown", 0),
                ]
                for name, g in groups
            ],
            right=(1, 2, 3, 4, 5, 6, 7),
        )
    )
    if report.get("groups"):
        click.echo("")
        click.echo(table(
            [f"by {group_by}", "services", "count", "MTTA", "MTTR", "MTTR median", "ack target met"],
            [[g["value"] if g["value"] is not None else f"(no {group_by})", ", ".join(g["services"]), g["count"],
              duration(g.get("mtta_minutes")), duration(g.get("mttr_minutes")),
              duration(g.get("mttr_minutes_median")), percent(g.get("ack_target_met"), 1)] for g in report["groups"]],
            right=(2, 3, 4, 5, 6),
        ))


COMMANDS = [incidents]
