"""``reliability ingest``: load SLI series, incidents and deployments from files."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import click


def _run(ctx: click.Context, files: tuple[str, ...], as_json: bool, load: Callable, describe: Callable) -> None:
    from reliability import store

    started = time.monotonic()
    with store.connect(ctx.obj["db"]) as con, store.transaction(con):
        summaries = load(con, list(files))
    elapsed = time.monotonic() - started
    for s in summaries:
        click.echo(describe(s), err=True)
    if as_json:
        click.echo(json.dumps({"files": summaries, "seconds": round(elapsed, 3)}))


def _json_option(f):
    return click.option("--json", "as_json", is_flag=True, help="Print per-file counts as one JSON document.")(f)


@click.group()
def ingest() -> None:
    """Load data files into the database (each call is one transaction: all or nothing)."""


@ingest.command()
@click.argument("files", nargs=-1, required=True)
@_json_option
@click.pass_context
def series(ctx: click.Context, files: tuple[str, ...], as_json: bool) -> None:
    """Load SLI series from CSV or Parquet files into the database.

    Columns: timestamp,service,sli,good,total (ratio SLIs, event counts per slice, 0 <= good <=
    total) or timestamp,service,sli,value (threshold SLIs); other columns are ignored.
    timestamp is the start of the slice: ISO 8601 with Z or an offset, or epoch seconds.
    A row whose (timestamp, service, sli) is already stored replaces it, so re-ingesting a file
    changes nothing.

    \b
    Example:
      reliability --db rel.duckdb ingest series data/series-2025-11.csv
    """
    from reliability.ingest.series import ingest_series

    def describe(s: dict) -> str:
        return f"{s['file']}: {s['rows']} rows ({s['series']} series, {s['start']} .. {s['end']})"

    _run(ctx, files, as_json, ingest_series, describe)


@ingest.command()
@click.argument("files", nargs=-1, required=True)
@_json_option
@click.pass_context
def incidents(ctx: click.Context, files: tuple[str, ...], as_json: bool) -> None:
    """Load incidents from CSV or JSON (a list of objects) files.

    Required fields: id, service, severity (SEV-1 .. SEV-4), detected_at. Optional: title,
    started_at, acknowledged_at, mitigated_at, resolved_at, closed_at, root_cause,
    postmortem_url, postmortem_published_at, customer_impact, tags (JSON list, or text split
    on ';' or ','), and in JSON timeline [{at, kind, text}] and action_items
    [{title, owner, due, done}]. Timestamps must be ordered started_at <= detected_at <=
    acknowledged_at <= mitigated_at <= resolved_at <= closed_at. An existing id is replaced
    together with its timeline and action items.

    \b
    Example:
      reliability --db rel.duckdb ingest incidents incidents.json
    """
    from reliability.ingest.incidents import ingest_incidents

    def describe(s: dict) -> str:
        return (
            f"{s['file']}: {s['incidents']} incidents ({s['updates']} timeline entries, "
            f"{s['action_items']} action items, detected {s['start']} .. {s['end']})"
        )

    _run(ctx, files, as_json, ingest_incidents, describe)


@ingest.command()
@click.argument("files", nargs=-1, required=True)
@_json_option
@click.pass_context
def deployments(ctx: click.Context, files: tuple[str, ...], as_json: bool) -> None:
    """Load deployments from CSV or JSON files, replacing any with the same id.

    Fields: id, service, deployed_at (required), version, description, rolled_back (true/false).

    \b
    Example:
      reliability --db rel.duckdb ingest deployments deploys.csv
    """
    from reliability.ingest.deployments import ingest_deployments

    def describe(s: dict) -> str:
        return f"{s['file']}: {s['deployments']} deployments ({s['start']} .. {s['end']})"

    _run(ctx, files, as_json, ingest_deployments, describe)


COMMANDS = [ingest]
