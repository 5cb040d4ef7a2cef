"""``reliability credits``: service credits owed per SLA for a month."""

from __future__ import annotations

import click

from reliability.commands.instance_option import instance_option, resolve
from reliability.errors import BadInput
from reliability.output import emit_json, fmt, table
from reliability.units import percent, target_text


@click.command("credits")
@click.option("--month", metavar="YYYY-MM",
              help="Calendar month, in each SLO's time zone (per contract: in the contract's).")
@click.option("--slo", "slo_name", metavar="NAME", help="Only this SLO (or instance: NAME{label=\"value\"}).")
@instance_option
@click.option("--tier", "tiers", multiple=True, metavar="BELOW=CREDIT",
              help="A credit tier in percent, e.g. 99.9=10 (repeatable; replaces the defaults).")
@click.option("--sla-target", metavar="PERCENT",
              help="The SLA the tiers describe: SLOs with a lower target owe nothing (default: the highest tier).")
@click.option("--min-coverage", type=float, default=0.9, show_default=True, metavar="RATIO",
              help="Coverage below which a month's credit is unknown (status insufficient_data).")
@click.option("--by", "by", type=click.Choice(["slo", "customer"]), default="slo", show_default=True,
              help="slo: every SLO under --tier; customer: the stored contracts' credits and amounts.")
@click.option("--customer", metavar="ID", help="Only this customer's contracts (implies --by customer).")
@click.option("--contract", "contract_name", metavar="NAME", help="Only this contract (implies --by customer).")
@click.option("--liability", is_flag=True, help="Per month and currency: the total credit owed (for finance).")
@click.option("--from", "first", metavar="YYYY-MM", help="First month of a range (with --to; contracts only).")
@click.option("--to", "last", metavar="YYYY-MM", help="Last month of a range, included.")
@click.option("--contracts", "contracts_file", metavar="FILE",
              help="Read the contracts from this YAML file instead of the stored ones.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
@click.pass_context
def credits(ctx: click.Context, month: str | None, slo_name: str | None, tiers: tuple[str, ...],
            sla_target: str | None, min_coverage: float, by: str, customer: str | None, contract_name: str | None,
            liability: bool, first: str | None, last: str | None, contracts_file: str | None, as_json: bool,
            instance: tuple[str, ...] = ()) -> None:
    """Service credits owed per SLO for a calendar month: the credit (percent of the monthly
    fee) of the lowest tier the attainment is strictly below. Default tiers: below 99.9%
    10%, below 99% 25%, below 95% 100% (Azure's Virtual Machines SLA). Only SLOs whose target
    is at least the highest tier's bound (or --sla-target) are SLAs under the tiers (covered);
    a month with insufficient data owes an unknown credit (null), never 0.

    With --by customer (or --customer, --contract), the customers' contracts instead
    (`reliability contracts apply`, docs/contracts.md): per contract and month the tier, the
    credit percent and the amount in the contract's currency, over the contract's SLA period
    (a contract starting or ending mid-month: its share of the month, fee prorated). Without
    --month or --from/--to: every month from the first contract's start to this month.
    --liability: per month and currency, the total owed, unknown amounts listed apart.

    \b
    Example:
      reliability --db rel.duckdb credits --month 2026-03 --json
      reliability --db rel.duckdb credits --month 2026-03 --tier 99.95=10 --tier 99=30 --tier 95=100 --sla-target 99.9
      reliability --db rel.duckdb credits --month 2026-05 --by customer
      reliability --db rel.duckdb credits --customer acme --json
      reliability --db rel.duckdb credits --liability --from 2026-01 --to 2026-06
    """
    from reliability import periods, store
    from reliability.api import rows as api
    from reliability.units import status_text

    api.check_min_coverage(min_coverage)
    if by == "customer" or customer or contract_name or liability or contracts_file or first or last:
        from reliability.commands.contract_credits import customer_credits

        for option, given in (("--slo", slo_name), ("--instance", instance), ("--tier", tiers),
                              ("--sla-target", sla_target)):
            if given:
                raise BadInput("applies to --by slo only: a contract states its own tiers and SLOs", field=option)
        customer_credits(ctx.obj["db"], month, first, last, customer, contract_name, contracts_file, liability,
                         min_coverage, as_json)
        return
    if month is None:
        raise BadInput("is required (or --by customer: see --help)", field="--month")
    periods.parse_month(month)
    slo_name = resolve(slo_name, instance)
    parsed = tuple(api.parse_tier(t) for t in tiers) or api.default_tiers()
    minimum = api.sla_target(parsed, api.parse_sla_target(sla_target) if sla_target else None)
    with store.connect(ctx.obj["db"], read_only=True) as con:
        rows = api.credits(con, month, slo_name, parsed, min_coverage=min_coverage, minimum=minimum)
    if as_json:
        emit_json({"month": month, "tiers": [t.as_json() for t in parsed], "sla_target": float(minimum),
                   "min_coverage": min_coverage, "slos": rows})
        return
    if not rows:
        click.echo("no SLOs defined (see `reliability slo apply`)")
        return

    def owed(r: dict) -> str:
        if not r["covered"]:
            return "not covered"
        return "unknown" if r["credit_percent"] is None else f"{fmt(r['credit_percent'], 2)}%"

    click.echo(table(
        ["slo", "target", "attainment", "coverage", "status", "credit"],
        [[r["slo"], target_text(r["target"]), percent(r["attainment"], 4), percent(r["data_coverage"], 1),
          status_text(r["status"], r["partial"]), owed(r)] for r in rows],
        right=(1, 2, 3, 5),
    ))
    click.echo(f"not covered: target below {fmt(float(minimum) * 100, 4)}%, the SLA the tiers describe; "
               "unknown: insufficient data")


COMMANDS = [credits]
