"""``reliability worst``: the N worst contiguous windows per SLO in a month."""

from __future__ import annotations

import click

from reliability.commands.instance_option import instance_option, resolve
from reliability.output import fmt, iso_z, table, to_json, to_json_with_list


@click.command("worst")
@click.option("--month", required=True, metavar="YYYY-MM", help="Calendar month, in each SLO's time zone.")
@click.option("--slo", "slo_name", metavar="NAME", help="Only this SLO (or instance: NAME{label=\"value\"}).")
@instance_option
@click.option("--window", default="1h", show_default=True, metavar="DURATION", help="Window length (30m, 1h, 1d).")
@click.option("--top", default=5, show_default=True, type=click.IntRange(1, 1000), help="How many windows per SLO.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
@click.pass_context
def worst(ctx: click.Context, month: str, slo_name: str | None, window: str, top: int, as_json: bool,
          instance: tuple[str, ...] = ()) -> None:
    """The worst non-overlapping windows of every SLO (or one) in a calendar month, with their
    bad minutes and failed events: where the budget went, for breach investigations.

    \b
    Example:
      reliability --db rel.duckdb worst --month 2026-03 --slo search-availability --window 30m --top 3 --json
    """
    from reliability import periods, slos, store
    from reliability.api import rows as api
    from reliability.errors import BadInput

    periods.parse_month(month)
    slo_name = resolve(slo_name, instance)
    d = api.parse_window(window)
    if d.seconds is None or d.seconds < 60:
        raise BadInput(f"expected a fixed window of at least 1m (m, h, d, w), got {window!r}", field="--window")
    with store.connect(ctx.obj["db"], read_only=True) as con:
        selected = slos.load(con, slo_name)
        if slo_name and not selected:
            raise BadInput(f"no SLO named {slo_name!r} (see `reliability slo list`)", field="--slo")
        selected = api.expand_instances(con, selected, lambda s: periods.month(month, api.slo_zone(s)))
        for slo in selected:
            if d.seconds % api.slice_seconds(slo):
                raise BadInput(f"{window} is not a multiple of {slo.name}'s slices", field="--window")
        # One SLO: its own query. Several: one scan for all (the same numbers).
        if len(selected) == 1:
            results = [api.worst(con, selected[0], month, d.seconds, top)]
            encoded = [to_json(results[0])] if as_json else None
        else:  # encoded as they come, while the next chunk loads
            results = encoded = api.worst_many(con, selected, month, d.seconds, top,
                                               then=to_json if as_json else None)
    if as_json:
        click.echo(to_json_with_list({"month": month, "window": window, "top": top, "slos": None}, "slos", encoded))
        return
    rows = [[r["slo"], iso_z(w["start"]), iso_z(w["end"]), fmt(w["bad"], 2), r["budget_unit"], fmt(w["bad_minutes"], 1),
             fmt(w["failed_events"], 0), fmt(w["burn_rate"], 2)] for r in results for w in r["windows"]]
    click.echo(table(["slo", "start", "end", "bad", "unit", "bad minutes", "failed events", "burn rate"], rows,
                     right=(3, 5, 6, 7)) if rows else "nothing bad in this month")


COMMANDS = [worst]
