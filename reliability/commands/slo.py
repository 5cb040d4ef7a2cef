"""``reliability slo apply|list``: OpenSLO v1 definitions in and out."""

from __future__ import annotations

import click

from reliability.units import count_of

from reliability.output import emit_json, fmt, table


@click.group("slo")
def slo() -> None:
    """Apply and list OpenSLO v1 definitions (kinds SLO, SLI, Service, DataSource,
    AlertPolicy, AlertCondition)."""


@slo.command("apply")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--effective-from", metavar="TIME",
              help="When changed SLO definitions take effect (ISO 8601 with Z or an offset; a date alone is "
                   "local midnight in each SLO's calendar.timeZone). Default: now; a new SLO: since always.")
@click.pass_context
def apply_cmd(ctx: click.Context, files: tuple[str, ...], effective_from: str | None) -> None:
    """Validate and store OpenSLO v1 YAML or JSON files (several documents per file, separated
    by --- or as a list).

    Applying a document whose kind and name already exist replaces it. An SLO keeps its
    history: when what its numbers depend on changes (target, SLI, budgeting method, window,
    slices), the new definition is a new version in force from --effective-from (default now),
    and periods before it are still computed with the version in force then (`slo history`).
    Labels, display name and description are not versioned. All files are applied in one
    transaction: one invalid document and nothing is stored.

    \b
    Example:
      reliability --db rel.duckdb slo apply data/slos.yaml
      reliability --db rel.duckdb slo apply ledger.yaml --effective-from 2026-06-15
      reliability --db rel.duckdb slo apply ledger.yaml --effective-from 2026-06-15T04:00:00Z
    """
    from reliability import openslo, slos, store, writes

    when = _effective_from(effective_from) if effective_from else None
    # Read every file (a pipe or FIFO included, once) before the database is locked.
    read = [d for path in files for d in openslo.read_documents(path)]
    warnings: list[str] = []
    changes: list[dict] = []
    with store.connect(ctx.obj["db"]) as con, writes.transaction(con):
        docs = slos.apply(con, files, read, warn=warnings.append, effective_from=when, changes=changes)
    for w in warnings:
        click.echo(f"warning: {w}", err=True)
    from reliability.output import iso_z

    for c in changes:
        if c["action"] in ("changed", "corrected"):
            verb = "new version" if c["action"] == "changed" else "version corrected:"
            click.echo(f"{c['slo']}: {verb} {c['version']} in force from {iso_z(c['effective_from'])}", err=True)
        elif c["action"] == "new" and c["effective_from"] is not None:
            click.echo(f"{c['slo']}: defined from {iso_z(c['effective_from'])}", err=True)
        elif c["action"] == "unchanged" and when is not None:
            click.echo(f"{c['slo']}: what its numbers depend on did not change, so nothing takes effect at "
                       f"--effective-from (version {c['version']} stays in force)", err=True)
    counts: dict[str, int] = {}
    for d in docs:
        counts[d.kind] = counts.get(d.kind, 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    click.echo(f"applied {count_of(len(docs), 'document')} ({summary})", err=True)


def _effective_from(text: str):
    """A date alone (YYYY-MM-DD) or an instant with Z or an offset."""
    import re
    from datetime import date

    from reliability.api.rows import parse_instant
    from reliability.errors import BadInput

    raw = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise BadInput(f"expected a date such as 2026-06-15, got {text!r}", field="--effective-from") from None
    return parse_instant(raw, "--effective-from")


@slo.command("history")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
@click.pass_context
def history_cmd(ctx: click.Context, name: str, as_json: bool) -> None:
    """The versions of one SLO: when each took effect and until when, its targets, SLI,
    budgeting method and window, and what changed from the version before.

    \b
    Example:
      reliability --db rel.duckdb slo history ledger-availability
      reliability --db rel.duckdb slo history ledger-availability --json
    """
    from reliability import slos, store, versions
    from reliability.errors import BadInput
    from reliability.output import iso_z

    with store.connect(ctx.obj["db"], read_only=True) as con:
        base = name.partition("{")[0]
        found = versions.versions_of(con, name)
        if not found and base != name and versions.versions_of(con, base):
            raise BadInput(f"versions are kept per definition: see `reliability slo history {base}` "
                           f"(every instance of it has those versions)", field="NAME")
        if not found:
            from reliability.api.rows import composites

            if composites(con, name):
                raise BadInput(f"{name!r} is a composite SLO: it is not versioned (its members are)",
                               field="NAME")
            raise BadInput(f"no SLO named {name!r} (see `reliability slo list`)", field="NAME")
        doc = slos.describe_history(found, slos.datasources(con))
    if as_json:
        emit_json(doc)
        return
    click.echo(f"{name}: {count_of(len(found), 'version')}")
    click.echo(table(
        ["version", "in force from", "until", "method", "target", "sli", "window", "zone", "changed"],
        [[v["version"], iso_z(v["effective_from"]) or "since always", iso_z(v["until"]) or "now",
          v["budgeting_method"], ", ".join(fmt(o["target"], 6) for o in v["objectives"]), v["sli"],
          v["time_window"] + (" rolling" if v["is_rolling"] else ""), v["time_zone"],
          ", ".join(v["changed"]) or "-"] for v in doc["versions"]],
        right=(0,),
    ))


@slo.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
@click.pass_context
def list_cmd(ctx: click.Context, as_json: bool) -> None:
    """List the stored SLOs as in force now: service, SLI, budgeting method, objectives,
    time window and labels (the Service document's, overridden by the SLI's and the SLO's).

    \b
    Example:
      reliability --db rel.duckdb slo list --json
    """
    from reliability import slos, store
    from reliability.api.rows import all_composites

    with store.connect(ctx.obj["db"], read_only=True) as con:
        found = slos.load(con)
        composites = [c.as_stored() for c in all_composites(con)]
    rows = [slos.describe(s) for s in found]
    if as_json:
        emit_json({"slos": rows} | ({"composites": composites} if composites else {}))
        return
    click.echo(
        table(
            ["slo", "service", "sli", "method", "target", "window", "zone", "labels"],
            [
                [
                    r["slo"],
                    r["service"],
                    r["sli"],
                    r["budgeting_method"],
                    ", ".join(fmt(o["target"], 6) for o in r["objectives"]),
                    r["time_window"] + (" rolling" if r["is_rolling"] else ""),
                    r["time_zone"],
                    ", ".join(f"{k}={'|'.join(v)}" for k, v in r.get("labels", {}).items()),
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
