"""``reliability credits``: service credits owed per SLA for a month."""

from __future__ import annotations

import click

from reliability.output import emit_json, fmt, table


@click.command("credits")
@click.option("--month", required=True, metavar="YYYY-MM", help="Calendar month, in each SLO's time zone.")
@click.option("--slo", "slo_name", metavar="NAME", help="Only this SLO.")
@click.option("--tier", "tiers", multiple=True, metavar="BELOW=CREDIT",
              help="A credit tier in percent, e.g. 99.9=10 (repeatable; replaces the defaults).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
@click.pass_context
def credits(ctx: click.Context, month: str, slo_name: str | None, tiers: tuple[str, ...], as_json: bool) -> None:
    """Service credits owed per SLO for a calendar month: the credit (percent of the monthly
    fee) of the lowest tier the attainment is strictly below. Default tiers: below 99.9%
    10%, below 99% 25%, below 95% 100% (Azure's Virtual Machines SLA).

    \b
    Example:
      reliability --db rel.duckdb credits --month 2026-03 --json
      reliability --db rel.duckdb credits --month 2026-03 --tier 99.95=10 --tier 99=30 --tier 95=100
    """
    from reliability import periods, store
    from reliability.analysis import credits as analysis

    periods.parse_month(month)
    parsed = tuple(analysis.parse_tier(t) for t in tiers) or analysis.DEFAULT_TIERS
    with store.connect(ctx.obj["db"], read_only=True) as con:
        rows = analysis.compute(con, month, slo_name, parsed)
    if as_json:
        emit_json({"month": month, "tiers": [t.as_json() for t in parsed], "slos": rows})
        return
    click.echo(table(
        ["slo", "target", "attainment", "credit"],
        [[r["slo"], f"{r['target'] * 100:.6g}%", "-" if r["attainment"] is None else f"{r['attainment'] * 100:.4f}%",
          f"{fmt(r['credit_percent'], 2)}%"] for r in rows],
        right=(1, 2, 3),
    ) if rows else "no SLOs defined (see `reliability slo apply`)")


COMMANDS = [credits]
