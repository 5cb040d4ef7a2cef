"""``reliability burn``: burn rates and the replay of multi-window, multi-burn-rate alerts."""

from __future__ import annotations

import click

from reliability.commands.instance_option import instance_option, resolve
from reliability.output import emit_json, fmt, iso_z, table, to_json, to_json_with_list
from reliability.units import duration


@click.command("burn")
@click.option("--slo", "slo_name", metavar="NAME", help="The SLO (or instance: NAME{label=\"value\"}).")
@instance_option
@click.option("--all", "all_slos", is_flag=True, help="Every SLO (one scan for all), instead of --slo.")
@click.option("--from", "start", required=True, metavar="TIME", help="Start (ISO 8601 with Z, or a date).")
@click.option("--to", "end", required=True, metavar="TIME", help="End, exclusive (ISO 8601 with Z, or a date).")
@click.option("--window", "windows", multiple=True, metavar="DURATION",
              help="Also the burn rate over this window ending at --to (5m, 1h, 6h, 1d, 3d; repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
@click.pass_context
def burn(ctx: click.Context, slo_name: str | None, all_slos: bool, start: str, end: str, windows: tuple[str, ...], as_json: bool,
         instance: tuple[str, ...] = ()) -> None:
    """Burn rate of an SLO over [from, to), and the alert episodes its multi-window,
    multi-burn-rate alerts (page: 14.4x 1h/5m, 6x 6h/30m; ticket: 3x 1d/2h, 1x 3d/6h for
    a 30-day SLO) would have raised, evaluated every slice; and, per incident of the
    service, whether it would have paged. Durations in minutes. --all does this for every SLO
    ({"from", "to", "slos": [one --slo document per SLO]}).

    \b
    Example:
      reliability --db rel.duckdb burn --slo search-availability --from 2026-03-01 --to 2026-04-01 --json
      reliability --db rel.duckdb burn --all --from 2026-03-01 --to 2026-04-01 --json
    """
    from reliability import slos, store
    from reliability.api import rows as api
    from reliability.errors import BadInput

    slo_name = resolve(slo_name, instance)
    if (slo_name is None) == (not all_slos):
        raise BadInput("give --slo NAME or --all (one of them)", field="--slo")
    t0, t1 = api.parse_instant(start, "--from"), api.parse_instant(end, "--to")
    if t1 <= t0:
        raise BadInput(f"--to {end} is not after --from {start}", field="--to")
    extra = []
    for text in windows:
        d = api.parse_window(text)
        if d.seconds is None or d.seconds < 60:
            raise BadInput(f"expected a fixed window of at least 1m (m, h, d, w), got {text!r}", field="--window")
        extra.append(d.seconds)
    if all_slos:
        with store.connect(ctx.obj["db"], read_only=True) as con:
            from reliability import periods

            span = periods.Period("burn", "UTC", t0, t1)
            selected = api.expand_instances(con, slos.load(con), lambda s: span)
            results = api.burn_many(con, selected, t0, t1, extra, then=to_json if as_json else None)
        if as_json:
            click.echo(to_json_with_list({"from": t0, "to": t1, "slos": None}, "slos", results))
            return
        click.echo(table(
            ["slo", "burn rate", "pages", "tickets"],
            [[r["slo"], fmt(r["burn_rate"], 3), sum(e["severity"] == "page" for e in r["episodes"]),
              sum(e["severity"] == "ticket" for e in r["episodes"])] for r in results],
            right=(1, 2, 3),
        ) if results else "no SLOs defined (see `reliability slo apply`)")
        return
    with store.connect(ctx.obj["db"], read_only=True) as con:
        found = slos.load(con, slo_name)
        comps = [] if found else api.composites(con, slo_name)
        if comps:  # a composite SLO: its own burn rate from its members' attainment
            result = api.composite_burn(con, comps[0], t0, t1, extra)
            if as_json:
                emit_json(result)
                return
            click.echo(f"{slo_name} (composite, {result['aggregation']}): burn rate {fmt(result['burn_rate'], 3)}x "
                       f"over {iso_z(t0)} .. {iso_z(t1)}")
            for label, value in result["burn_rates_at_end"].items():
                click.echo(f"  last {label}: {fmt(value, 3)}x")
            return
        if not found:
            raise BadInput(f"no SLO named {slo_name!r} (see `reliability slo list`)", field="--slo")
        result = api.burn(con, found[0], t0, t1, extra)
    if as_json:
        emit_json(result)
        return
    rate = result["burn_rate"]
    click.echo(f"{slo_name}: burn rate {fmt(rate, 3)}x over {iso_z(t0)} .. {iso_z(t1)}")
    for label, value in result["burn_rates_at_end"].items():
        click.echo(f"  last {label}: {fmt(value, 3)}x")
    click.echo("")
    click.echo(table(
        ["severity", "start", "end", "duration", "peak burn", "windows"],
        [[e["severity"], iso_z(e["start"]), iso_z(e["end"]) or "(firing)", duration(e["duration_minutes"]),
          fmt(e["peak_burn_rate"], 2), ",".join(e["windows"])] for e in result["episodes"]],
        right=(3, 4),
    ) if result["episodes"] else "no alert would have fired")
    if result["incidents"]:
        click.echo("")
        click.echo(table(
            ["incident", "severity", "impact start", "paged", "page delay"],
            [[i["id"], i["severity"], iso_z(i["impact_start"]), fmt(i["paged"]), duration(i["page_delay_minutes"])]
             for i in result["incidents"]],
            right=(4,),
        ))


COMMANDS = [burn]
