"""``reliability slo apply|list``: OpenSLO v1 definitions in and out."""

from __future__ import annotations

import click

from reliability.output import emit_json, fmt, table


@click.group("slo")
def slo() -> None:
    """Apply and list OpenSLO v1 definitions (kinds SLO, SLI, Service, DataSource,
    AlertPolicy, AlertCondition)."""


@slo.command("apply")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.pass_context
def apply_cmd(ctx: click.Context, files: tuple[str, ...]) -> None:
    """Validate and store OpenSLO v1 YAML or JSON files (several documents per file, separated
    by --- or as a list).

    Applying a document whose kind and name already exist replaces it. All files are
    applied in one transaction: one invalid document and nothing is stored.

    \b
    Example:
      reliability --db rel.duckdb slo apply data/slos.yaml
    """
    from reliability import openslo, slos, store, writes

    # Read every file (a pipe or FIFO included, once) before the database is locked.
    read = [d for path in files for d in openslo.read_documents(path)]
    warnings: list[str] = []
    with store.connect(ctx.obj["db"]) as con, writes.transaction(con):
        docs = slos.apply(con, files, read, warn=warnings.append)
    for w in warnings:
        click.echo(f"warning: {w}", err=True)
    counts: dict[str, int] = {}
    for d in docs:
        counts[d.kind] = counts.get(d.kind, 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    click.echo(f"applied {len(docs)} documents ({summary})", err=True)


@slo.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
@click.pass_context
def list_cmd(ctx: click.Context, as_json: bool) -> None:
    """List the stored SLOs: service, SLI, budgeting method, objectives and time window.

    \b
    Example:
      reliability --db rel.duckdb slo list --json
    """
    from reliability import slos, store

    from reliability.analysis import composite

    with store.connect(ctx.obj["db"], read_only=True) as con:
        found = slos.load(con)
        composites = [c.as_stored() for c in composite.load(con)]
    rows = [slos.describe(s) for s in found]
    if as_json:
        emit_json({"slos": rows} | ({"composites": composites} if composites else {}))
        return
    click.echo(
        table(
            ["slo", "service", "sli", "method", "target", "window", "zone"],
            [
                [
                    r["slo"],
                    r["service"],
                    r["sli"],
                    r["budgeting_method"],
                    ", ".join(fmt(o["target"], 6) for o in r["objectives"]),
                    r["time_window"] + (" rolling" if r["is_rolling"] else ""),
                    r["time_zone"],
                ]
                for r in rows
            ],
        )
    )
    for r in rows:
        if r.get("group_by"):
            click.echo(f"{r['slo']}: one SLO per {', '.join(r['group_by'])} (per-instance SLO)")
    for c in composites:
        members = ", ".join(f"{m['slo']} (weight {fmt(m['weight'], 4)})" for m in c["members"])
        click.echo(f"{c['name']}: composite ({c['aggregation']}), target {fmt(c['target'], 6)}, of {members}")


COMMANDS = [slo]
