"""``reliability ingest``: load SLI series, incidents (generic or vendor API responses),
updates, action items and deployments from files."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import click

from reliability.units import count_of


def _run(ctx: click.Context, files: tuple[str, ...], as_json: bool, load: Callable, describe: Callable) -> None:
    from reliability import store, writes
    from reliability.ingest.inputs import spooled

    started = time.monotonic()
    # Pipes and FIFOs are read to their end before the lock is taken: waiting for input never
    # keeps other writers (or the app) out of the database.
    with spooled(files) as paths, store.connect(ctx.obj["db"]) as con, writes.transaction(con):
        summaries = load(con, paths)
    elapsed = time.monotonic() - started
    for s in summaries:
        click.echo(describe(s), err=True)
    if as_json:
        click.echo(json.dumps({"files": summaries, "seconds": round(elapsed, 3)}))


LISTED = 20  # skipped and no-service records listed on stderr per file


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
        return f"{s['file']}: {count_of(s['rows'], 'row')} ({count_of(s['series'], 'series', 'series')}, {s['start']} .. {s['end']})"

    _run(ctx, files, as_json, ingest_series, describe)


@ingest.command()
@click.argument("files", nargs=-1, required=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["generic", "pagerduty", "opsgenie", "incidentio"]),
    default="generic",
    show_default=True,
    help="generic: CSV/JSON in the contract's fields; else a saved vendor API response (JSON).",
)
@click.option(
    "--severity-map",
    "severity_map",
    default=None,
    metavar="FILE",
    help="YAML or JSON mapping vendor priority/urgency/severity names to SEV-1..SEV-4 "
    "(adds to and overrides the defaults; see the README).",
)
@click.option("--skip-invalid", is_flag=True,
              help="Vendor formats: write the valid records and list each invalid one with its reason "
              "(default: one bad record refuses the whole call).")
@click.option("--tz", "tz", default=None, metavar="ZONE",
              help="Vendor formats: IANA zone of timestamps without an offset in responses that name no "
              "time_zone (PagerDuty Analytics).")
@click.option("--service-map", "service_map", default=None, metavar="FILE",
              help="Vendor formats: YAML or JSON saying how to find the service of records that name "
              "none (by alias, tag, team, integration, source or service id; a default). See docs/inputs.md.")
@_json_option
@click.pass_context
def incidents(ctx: click.Context, files: tuple[str, ...], fmt: str, severity_map: str | None, skip_invalid: bool,
              tz: str | None, service_map: str | None, as_json: bool) -> None:
    """Load incidents from CSV or JSON files, or from saved PagerDuty, Opsgenie or incident.io
    API responses (--format).

    generic (default): required fields id, service, severity (SEV-1 .. SEV-4), detected_at.
    Optional: title, started_at, acknowledged_at, mitigated_at, resolved_at, closed_at,
    root_cause, postmortem_url, postmortem_published_at, customer_impact, team, tags (JSON
    list, or text split on ';' or ','), and in JSON timeline [{at, kind, text}] and
    action_items [{title, owner, due, done}]. Timestamps must be ordered started_at <=
    detected_at <= acknowledged_at <= mitigated_at <= resolved_at <= closed_at. An existing
    id is replaced; its timeline and action items change only where the record carries those
    lists, and what `ingest updates` / `ingest action-items` stored is kept, so re-ingesting
    a file (a CSV included) changes nothing.

    pagerduty: a REST API v2 GET /incidents response with each incident's log entries (the
    first acknowledge_log_entry gives acknowledged_at), or an Analytics POST
    /analytics/raw/incidents response; ids pd:<incident id>. opsgenie: a GET /v2/alerts or GET
    /v1/incidents response; ids og:<id>. incidentio: a GET /v2/incidents response; ids
    iio:<reference>. A vendor import replaces the incident row and keeps its separately
    ingested updates and action items. Records that are not incidents (PagerDuty merged,
    incident.io test/triage/declined/merged) are left out and listed; --skip-invalid also
    leaves out and lists invalid records instead of refusing the call. A response that says
    more pages exist is imported with a warning (use `reliability extract pagerduty|opsgenie|
    incidentio` to pull every page).

    \b
    Example:
      reliability --db rel.duckdb ingest incidents incidents.json
      reliability --db rel.duckdb ingest incidents --format pagerduty pd-incidents.json
      reliability --db rel.duckdb ingest incidents --format incidentio --severity-map sev.yaml io.json
      reliability --db rel.duckdb ingest incidents --format opsgenie --service-map services.yaml --skip-invalid alerts.json
    """

    def describe(s: dict) -> str:
        fmt_note = f" [{s['format']}]" if "format" in s else ""
        skipped = f", {s['skipped']} skipped" if s.get("skipped") else ""
        invalid = f", {s['invalid']} invalid skipped" if s.get("invalid") else ""
        unknown = f", {s['ack_unknown']} with acknowledgement unknown" if s.get("ack_unknown") else ""
        lines = [
            f"{s['file']}{fmt_note}: {count_of(s['incidents'], 'incident')} ({count_of(s['updates'], 'timeline entry', 'timeline entries')}, "
            f"{count_of(s['action_items'], 'action item')}{skipped}{invalid}{unknown}"
            + (f", detected {s['start']} .. {s['end']})" if s["start"] else ")")
        ]
        listed = [f"  {'invalid' if r['kind'] == 'invalid' else 'skipped'}: record {r['record']} "
                  f"({r['id'] or 'no id'}): {r['reason']}" for r in s.get("skipped_records", [])]
        listed += [f"  no service in record {n['record']} ({n['id']}): {n['service']} from {n['from']}"
                   for n in s.get("no_service", [])]
        if len(listed) > LISTED:  # all of them are in --json
            listed = listed[:LISTED] + [f"  ... and {len(listed) - LISTED} more (all in --json)"]
        lines += listed + [f"  warning: {w}" for w in s.get("warnings", [])]
        return "\n".join(lines)

    from reliability.ingest.inputs import spooled

    extra = [p for p in (severity_map, service_map) if p]
    with spooled(extra) as spooled_paths:  # pipes too, read before the lock
        by_name = dict(zip(extra, spooled_paths))
        smap = by_name.get(severity_map) if severity_map else None
        svc_map = by_name.get(service_map) if service_map else None

        def load(con, paths):
            if fmt == "generic":
                from reliability.ingest.incidents import ingest_incidents

                vendor_only = [n for n, v in (("--skip-invalid", skip_invalid), ("--tz", tz), ("--service-map", service_map)) if v]
                if vendor_only:
                    from reliability.errors import BadInput

                    raise BadInput(f"{vendor_only[0]} applies to --format pagerduty, opsgenie or incidentio", field=vendor_only[0])
                return ingest_incidents(con, paths, smap)
            from reliability.ingest.vendors import ingest_vendor_incidents

            return ingest_vendor_incidents(con, paths, fmt, smap, skip_invalid=skip_invalid, tz=tz,
                                           service_map=svc_map)

        _run(ctx, files, as_json, load, describe)


@ingest.command()
@click.argument("files", nargs=-1, required=True)
@_json_option
@click.pass_context
def updates(ctx: click.Context, files: tuple[str, ...], as_json: bool) -> None:
    """Load incident timeline updates from CSV or JSON files.

    Fields: incident_id, at (required; a stored incident and a timestamp), kind (e.g. update,
    status), body. An entry with the same (incident_id, at, kind) is replaced, so
    re-ingesting a file changes nothing.

    \b
    Example:
      reliability --db rel.duckdb ingest updates updates.csv
    """
    from reliability.ingest.timeline import ingest_updates

    def describe(s: dict) -> str:
        return f"{s['file']}: {count_of(s['updates'], 'update')} of {count_of(s['incidents'], 'incident')} ({s['start']} .. {s['end']})"

    _run(ctx, files, as_json, ingest_updates, describe)


@ingest.command("action-items")
@click.argument("files", nargs=-1, required=True)
@_json_option
@click.pass_context
def action_items(ctx: click.Context, files: tuple[str, ...], as_json: bool) -> None:
    """Load post-incident action items from CSV or JSON files.

    Fields: incident_id, title (required; a stored incident), owner, due (timestamp or
    YYYY-MM-DD), done (true/false). An item with the same (incident_id, title) is updated in
    place, so re-ingesting a file changes nothing.

    \b
    Example:
      reliability --db rel.duckdb ingest action-items actions.csv
    """
    from reliability.ingest.timeline import ingest_action_items

    def describe(s: dict) -> str:
        return f"{s['file']}: {count_of(s['action_items'], 'action item')} of {count_of(s['incidents'], 'incident')}"

    _run(ctx, files, as_json, ingest_action_items, describe)


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
        return f"{s['file']}: {count_of(s['deployments'], 'deployment')} ({s['start']} .. {s['end']})"

    _run(ctx, files, as_json, ingest_deployments, describe)


COMMANDS = [ingest]
