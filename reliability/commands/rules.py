"""``reliability rules``: Prometheus recording and alerting rules for an SLO."""

from __future__ import annotations

import click


@click.command("rules")
@click.option("--slo", "slo_name", required=True, metavar="NAME", help="The SLO.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to this file (default: stdout).")
@click.pass_context
def rules(ctx: click.Context, slo_name: str, output: str | None) -> None:
    """Prometheus recording rules (error ratio over 5m ... 3d) and the multi-window,
    multi-burn-rate alerting rules (page, ticket) for an SLO, as a rule file that
    `promtool check rules` accepts.

    \b
    Example:
      reliability --db rel.duckdb rules --slo checkout-availability -o checkout.rules.yml
    """
    from reliability import slos, store
    from reliability.errors import BadInput
    from reliability.rules import rules_yaml

    with store.connect(ctx.obj["db"], read_only=True) as con:
        found = slos.load(con, slo_name)
    if not found:
        raise BadInput(f"no SLO named {slo_name!r} (see `reliability slo list`)", field="--slo")
    text = rules_yaml(found[0])
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        click.echo(text, nl=False)


COMMANDS = [rules]
