"""``reliability extract pagerduty|opsgenie|incidentio``: incidents pulled from the vendors' APIs.

Registered on the ``extract`` group (reliability/commands/extract.py). The token comes from
``--token-file`` or the vendor's environment variable and is never stored, logged or printed.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import click

from reliability.commands.extract import _setup_logging, extract, parse_duration, parse_time
from reliability.errors import BadInput
from reliability.units import count_of

VENDORS = {
    # vendor: (default URL, token variable, Authorization prefix, extra headers, APIs)
    "pagerduty": ("https://api.pagerduty.com", "RELIABILITY_PAGERDUTY_TOKEN", "Token token=",
                  (("Accept", "application/vnd.pagerduty+json;version=2"),), ("rest", "analytics")),
    "opsgenie": ("https://api.opsgenie.com", "RELIABILITY_OPSGENIE_TOKEN", "GenieKey ", (), ("alerts", "incidents")),
    "incidentio": ("https://api.incident.io", "RELIABILITY_INCIDENTIO_TOKEN", "Bearer ", (), ("v2",)),
}
PAGE_SIZES = {"pagerduty": 100, "opsgenie": 100, "incidentio": 250}


def read_token(token_file: str | None, env: str) -> str:
    """The token from ``token_file`` (first line, stripped) or ``$env``; BadInput without one."""
    if token_file:
        path = Path(token_file)
        if not path.is_file():
            raise BadInput("no such file", file=token_file, field="--token-file")
        lines = path.read_text(encoding="utf-8-sig").strip().splitlines()
        token = lines[0].strip() if lines else ""
        if not token:
            raise BadInput("the token file is empty", file=token_file, field="--token-file")
        return token
    token = os.environ.get(env, "").strip()
    if not token:
        raise BadInput(f"no token: give --token-file FILE or set ${env}", field="--token-file")
    return token


def _options(vendor: str):
    default_url, env, _, _, apis = VENDORS[vendor]

    def wrap(f):
        opts = [
            click.option("--url", default=default_url, show_default=True, help="API base URL."),
            click.option("--api", "api", type=click.Choice(apis), default=apis[0], show_default=True,
                         help="Which API to pull." if len(apis) > 1 else "The API version."),
            click.option("--since", "since_text", help="First creation time to pull (ISO 8601 or epoch seconds). "
                         "Default: the watermark minus --lookback, else --until minus --backfill."),
            click.option("--until", "until_text", help="End of the range, exclusive. Default: now."),
            click.option("--lookback", "lookback_text", default="1d", show_default=True,
                         help="Without --since, re-pull this much before the watermark (recent incidents change)."),
            click.option("--backfill", "backfill_text", default="30d", show_default=True,
                         help="Without --since and without a watermark, how far back to start."),
            click.option("--chunk", "chunk_text", default="7d", show_default=True,
                         help="Window pulled and committed at once (with the watermark)."),
            click.option("--page-size", type=click.IntRange(1, 1000), default=PAGE_SIZES[vendor], show_default=True),
            click.option("--token-file", type=click.Path(dir_okay=False), help=f"API token file (else ${env})."),
            click.option("--severity-map", default=None, metavar="FILE", help="As for ingest incidents."),
            click.option("--service-map", default=None, metavar="FILE", help="As for ingest incidents."),
            click.option("--skip-invalid", is_flag=True, help="Write valid records, list invalid ones."),
            click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
                         help="Seconds per request."),
            click.option("--retries", type=click.IntRange(1, 100), default=5, show_default=True,
                         help="Attempts per request (429 waits Retry-After; 5xx and timeouts back off)."),
            click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout."),
        ]
        for o in reversed(opts):
            f = o(f)
        return click.pass_context(f)

    return wrap


def _run(ctx: click.Context, vendor: str, **kw) -> None:
    from reliability.extract import incidents as pull
    from reliability.extract.saas import Api, Client, SaasError, check_base_url
    from reliability.ingest.vendors import base, services
    from reliability.ingest.vendors.severity import load_map

    _, env, scheme, headers, _ = VENDORS[vendor]
    url = check_base_url(kw["url"])
    until = parse_time(kw["until_text"], "--until") if kw["until_text"] else int(time.time())
    since = parse_time(kw["since_text"], "--since") if kw["since_text"] else None
    if since is not None and since >= until:
        raise BadInput(f"--since must be before --until ({kw['since_text']} >= {kw['until_text'] or 'now'})", field="--since")
    chunk = parse_duration(kw["chunk_text"], "--chunk")
    lookback = 0 if kw["lookback_text"].strip() in ("0", "0s") else parse_duration(kw["lookback_text"], "--lookback")
    backfill = parse_duration(kw["backfill_text"], "--backfill")
    opts = base.Options(load_map(kw["severity_map"]), services.load(kw["service_map"]), kw["skip_invalid"])
    token = read_token(kw["token_file"], env)
    client = Client(Api(vendor, url, token, scheme, headers, kw["timeout"], kw["retries"]))
    _setup_logging()
    db = ctx.obj["db"]
    start = pull.plan(db, vendor, kw["api"], start=since, end=until, lookback=lookback, backfill=backfill)

    def progress(w) -> None:
        s = w.summary
        click.echo(f"{pull.iso(w.start)} .. {pull.iso(w.end)}: {count_of(w.pages, 'page')}, {count_of(s['incidents'], 'incident')}, "
                   f"{s['skipped']} skipped, {s['invalid']} invalid, {s['ack_unknown']} ack unknown", err=True)
        for r in s["skipped_records"][:20]:  # all of them are in --json
            click.echo(f"  {r['kind']}: record {r['record']} ({r['id'] or 'no id'}): {r['reason']}", err=True)
        if len(s["skipped_records"]) > 20:
            click.echo(f"  ... and {len(s['skipped_records']) - 20} more (all in --json)", err=True)

    try:
        windows = pull.run(db, vendor, kw["api"], client, opts, start=start, end=until, chunk=chunk,
                           page_size=kw["page_size"], on_window=None if kw["as_json"] else progress)
    except SaasError as exc:
        raise click.ClickException(f"{exc}. Windows committed before the failure are kept; re-run to resume.") from None
    doc = {"source": vendor, "api": kw["api"], "start": pull.iso(start), "end": pull.iso(until),
           "requests": client.requests, "watermark": pull.iso(windows[-1].end) if windows else None,
           "windows": [{"start": pull.iso(w.start), "end": pull.iso(w.end), "pages": w.pages, **w.summary}
                       for w in windows]}
    for key in ("incidents", "skipped", "invalid", "ack_unknown"):
        doc[key] = sum(w.summary.get(key, 0) for w in windows)
    if kw["as_json"]:
        click.echo(json.dumps(doc))
    else:
        click.echo(f"{vendor} {kw['api']}: {count_of(doc['incidents'], 'incident')} written ({doc['skipped']} skipped, "
                   f"{doc['invalid']} invalid, {doc['ack_unknown']} ack unknown) from {doc['start']} to "
                   f"{doc['end']} in {count_of(doc['requests'], 'request')}; watermark {doc['watermark']}")


@extract.command("pagerduty")
@_options("pagerduty")
def pagerduty(ctx, **kw) -> None:
    """Pull PagerDuty incidents (REST v2 with their log entries, or Analytics) into the database.

    Every page is pulled (limit/offset while `more`), window by window (--chunk), each window
    written with the watermark in one transaction: re-running is a no-op and an interrupted run
    resumes. The token comes from --token-file or $RELIABILITY_PAGERDUTY_TOKEN and is never
    stored, logged or printed. Mapping as for `ingest incidents --format pagerduty`.

    \b
    Example:
      RELIABILITY_PAGERDUTY_TOKEN=... reliability --db rel.duckdb extract pagerduty --since 2026-03-01T00:00:00Z
      reliability --db rel.duckdb extract pagerduty --api analytics --token-file ~/.pd-token
    """
    _run(ctx, "pagerduty", **kw)


@extract.command("opsgenie")
@_options("opsgenie")
def opsgenie(ctx, **kw) -> None:
    """Pull Opsgenie alerts (or, --api incidents, incidents) into the database.

    Pages follow `paging.next` (same host only). Token from --token-file or
    $RELIABILITY_OPSGENIE_TOKEN (sent as "GenieKey"); use --url https://api.eu.opsgenie.com for
    the EU instance. Mapping, --service-map and --skip-invalid as for `ingest incidents --format
    opsgenie`.

    \b
    Example:
      reliability --db rel.duckdb extract opsgenie --token-file og.token --service-map services.yaml
    """
    _run(ctx, "opsgenie", **kw)


@extract.command("incidentio")
@_options("incidentio")
def incidentio(ctx, **kw) -> None:
    """Pull incident.io incidents (API v2) into the database.

    Pages follow `pagination_meta.after`. Token from --token-file or
    $RELIABILITY_INCIDENTIO_TOKEN. Mapping as for `ingest incidents --format incidentio`.

    \b
    Example:
      RELIABILITY_INCIDENTIO_TOKEN=... reliability --db rel.duckdb extract incidentio --since 2026-01-01
    """
    _run(ctx, "incidentio", **kw)


COMMANDS: list = []  # its commands join the `extract` group (reliability.commands.extract)
