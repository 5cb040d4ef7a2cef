"""``reliability demo``: (re)build the bundled sample data set into the database."""

from __future__ import annotations

import click


@click.command("demo")
@click.pass_context
def demo(ctx: click.Context) -> None:
    """(Re)build the bundled, deterministic sample into the database.

    Loads data/slos.yaml, 13 months of 1-minute availability and latency slices for every
    sample service (generated deterministically, with dips in the incidents' windows),
    data/incidents.json with timelines and action items, and data/deployments.csv; then
    data/fleet.yaml: three enterprise customers of the API gateway as instances of one
    per-customer SLO (their own series), and the checkout journey composite. Everything
    is upserted in one transaction, so a re-run changes nothing.

    \b
    Example:
      reliability --db demo.duckdb demo && reliability --db demo.duckdb sla --month 2026-08
    """
    from reliability import demo as builder
    from reliability import store, writes

    with store.connect(ctx.obj["db"]) as con, writes.transaction(con):
        summary = builder.build(con, progress=lambda msg: click.echo(msg, err=True))
    click.echo(
        f"demo: {summary['slos']} SLOs, {summary['slices']:,} slices, "
        f"{summary['incidents']} incidents, {summary['deployments']} deployments "
        f"({summary['start']} .. {summary['end']})",
        err=True,
    )
    click.echo(
        f"demo: and {summary['customers']} enterprise customers of the API gateway as instances of "
        f"api-gateway-customer-availability ({summary['customer_slices']:,} slices), "
        f"{summary['composites']} composite SLO (checkout-journey)",
        err=True,
    )


COMMANDS = [demo]
