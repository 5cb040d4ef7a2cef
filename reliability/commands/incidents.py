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
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
@click.pass_context
def incidents(
    ctx: click.Context, month: str, tz: str, service: str | None, ack_targets: tuple[str, ...],
    holidays: tuple[str, ...], as_json: bool,
) -> None:
    """Incident metrics for a month: MTTA, MTTR (mean and median), response targets.

    An incident belongs to the month (in --tz) in which it was detected. TTA =
    acknowledged_at - detected_at, TTR = resolved_at - detected_at, in minutes.

    \b
    Example:
      reliability --db rel.duckdb incidents --month 2025-11 --tz Europe/Berlin --json
    """
    from reliability import periods, store
    from reliability.analysis import incidents as analysis
    from reliability.analysis.targets import parse_holidays

    targets = analysis.parse_targets(ack_targets)
    days_off = parse_holidays(holidays)
    periods.month(month, tz)  # validate the options before touching the database
    with store.connect(ctx.obj["db"], read_only=True) as con:
        report = analysis.monthly(con, month, tz, service=service, targets=targets, holidays=days_off)
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


COMMANDS = [incidents]
