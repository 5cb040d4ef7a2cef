"""``reliability ingest maintenance``: declared maintenance windows, left out of SLA periods."""

from __future__ import annotations

import click

from reliability.units import count_of

from reliability.commands.ingest import _json_option, _run, ingest


@ingest.command("maintenance")
@click.argument("files", nargs=-1, required=True)
@_json_option
@click.pass_context
def maintenance(ctx: click.Context, files: tuple[str, ...], as_json: bool) -> None:
    """Load declared maintenance windows from CSV or JSON files, replacing any with the same id.

    Fields: id, starts_at, ends_at (required; [starts_at, ends_at), start inclusive, end
    exclusive), service (empty: every service), description. `sla` leaves every slice that
    overlaps a window of the SLO's service out of the period (excluded_slices,
    maintenance_minutes).

    \b
    Example:
      reliability --db rel.duckdb ingest maintenance maintenance.csv
    """
    from reliability.ingest.maintenance import ingest_maintenance

    def describe(s: dict) -> str:
        return f"{s['file']}: {count_of(s['windows'], 'maintenance window')} ({count_of(s['minutes'], 'minute')}, {s['start']} .. {s['end']})"

    _run(ctx, files, as_json, ingest_maintenance, describe)


COMMANDS: list = []  # attaches to the `ingest` group instead
