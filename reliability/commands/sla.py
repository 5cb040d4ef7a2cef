"""``reliability sla``: SLA compliance per SLO over calendar months (CONTRACT.md)."""

from __future__ import annotations

import click

from reliability.output import emit_json, fmt, table


@click.command("sla")
@click.option("--month", required=True, metavar="YYYY-MM", help="Calendar month, in each SLO's time zone.")
@click.option("--slo", "slo_name", metavar="NAME", help="Only this SLO.")
@click.option(
    "--no-data",
    type=click.Choice(["good", "bad", "exclude"]),
    default="good",
    show_default=True,
    help="How slices with no row or total = 0 count.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
@click.pass_context
def sla(ctx: click.Context, month: str, slo_name: str | None, no_data: str, as_json: bool) -> None:
    """SLA compliance of every SLO (or one) over a calendar month.

    The period is the month in the SLO's calendar.timeZone. For Timeslices with 1-minute
    slices, bad and allowed_bad are minutes of downtime and of allowed downtime.

    \b
    Example:
      reliability --db rel.duckdb sla --month 2025-11 --slo ledger-timeslices-ny --json
    """
    from reliability import store
    from reliability.analysis import sla as analysis

    with store.connect(ctx.obj["db"], read_only=True) as con:
        rows = analysis.compute(con, month, slo_name, no_data)
    if as_json:
        emit_json({"month": month, "no_data_policy": no_data, "slos": [r.as_json() for r in rows]})
        return
    if not rows:
        click.echo("no SLOs defined (see `reliability slo apply`)")
        return
    click.echo(f"SLA compliance, {month} (no-data slices count as {no_data})")
    multi = {r.slo for r in rows if r.objective is not None and sum(x.slo == r.slo for x in rows) > 1}
    click.echo(
        table(
            ["slo", "method", "target", "attainment", "bad", "allowed", "budget left", "no data", "status"],
            [
                [
                    f"{r.slo} [{r.objective}]" if r.slo in multi else r.slo,
                    r.budgeting_method,
                    f"{r.target * 100:.6g}%",
                    "-" if r.attainment is None else f"{r.attainment * 100:.4f}%",
                    fmt(r.bad, 2),
                    fmt(r.allowed_bad, 2),
                    "-" if r.error_budget_remaining is None else f"{r.error_budget_remaining * 100:.1f}%",
                    r.no_data,
                    "BREACHED" if r.breached else "met",
                ]
                for r in rows
            ],
            right=(2, 3, 4, 5, 6, 7),
        )
    )


COMMANDS = [sla]
