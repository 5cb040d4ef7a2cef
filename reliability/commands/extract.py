"""``reliability extract prometheus``: SLI series from a Prometheus-compatible API."""

from __future__ import annotations

import logging
import os
import re
import sys
import time
from datetime import datetime, timezone

import click

from reliability.errors import BadInput

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"^([0-9]+)([smhdw]?)$")


def parse_duration(text: str, option: str) -> int:
    """``'5m'`` -> 300 (seconds); a bare number is seconds."""
    m = _DURATION.match(text.strip())
    if not m or int(m.group(1)) <= 0:
        raise BadInput(f"expected a duration such as 30s, 1m, 6h or 7d, got {text!r}", field=option)
    return int(m.group(1)) * _UNITS[m.group(2) or "s"]


def parse_time(text: str, option: str) -> int:
    """ISO 8601 (``Z`` or an offset; no offset means UTC), epoch seconds, or ``now``."""
    text = text.strip()
    if text == "now":
        return int(time.time())
    try:
        return int(float(text))
    except ValueError:
        pass
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(f"expected ISO 8601 (2025-11-01T00:00:00Z), epoch seconds or 'now', got {text!r}",
                       field=option) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return int(value.timestamp())


@click.group("extract")
def extract() -> None:
    """Extract SLI series from metrics backends into the database."""


@extract.command("prometheus")
@click.option("--url", help="API base URL, e.g. http://prometheus:9090 or a Thanos/Mimir query URL "
              "(default: the SLO's DataSource connectionDetails.url, else $RELIABILITY_PROM_URL).")
@click.option("--start", "start_text", help="First slice (ISO 8601, epoch seconds). Default: each series' watermark.")
@click.option("--end", "end_text", help="End of the range, exclusive. Default: now minus --lag.")
@click.option("--slo", "slo_name", help="Only this SLO (default: every SLO with Prometheus metric sources).")
@click.option("--step", "step_text", help="Slice length (default: the SLO's timeSliceWindow, else 1m).")
@click.option("--chunk", "chunk_text", help="Longest range per request, e.g. 6h (default and maximum: "
              "10,999 slices, Prometheus' 11,000-point limit).")
@click.option("--parallel", default=4, show_default=True, type=click.IntRange(1, 64), help="Requests in flight.")
@click.option("--lag", "lag_text", default="2m", show_default=True,
              help="Without --end, stop this long before now so the last slices are fully scraped.")
@click.option("--backfill", "backfill_text", default="7d", show_default=True,
              help="Without --start, how far back a series with no watermark starts.")
@click.option("--token-file", type=click.Path(dir_okay=False), help="Bearer token file (else $RELIABILITY_PROM_TOKEN).")
@click.option("--user", "username", help="Basic-auth user; the password comes from --password-file or "
              "$RELIABILITY_PROM_PASSWORD.")
@click.option("--password-file", type=click.Path(dir_okay=False), help="Basic-auth password file.")
@click.option("--header", "headers", multiple=True, metavar="'NAME: VALUE'",
              help="Extra request header, repeatable (e.g. 'X-Scope-OrgID: tenant-1' for Mimir/Thanos).")
@click.option("--ca-file", type=click.Path(dir_okay=False), help="CA bundle to verify the server's TLS certificate.")
@click.option("--insecure", is_flag=True, help="Do not verify the server's TLS certificate.")
@click.option("--timeout", type=click.FloatRange(min=0.1), help="Seconds for a whole request, from connecting "
              "to the last byte of the response (default 30).")
@click.option("--max-response", "max_response", type=click.IntRange(1, 4096), metavar="MIB",
              help="Largest response body read, in MiB (default 32); a larger one stops the run with a "
              "hint to use a smaller --chunk.")
@click.option("--retries", type=click.IntRange(1, 100), help="Attempts per request on connection errors, "
              "timeouts and 5xx, with exponential backoff (default 5).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.pass_context
def prometheus(ctx: click.Context, url, start_text, end_text, slo_name, step_text, chunk_text, parallel, lag_text,
               backfill_text, token_file, username, password_file, headers, ca_file, insecure, timeout,
               max_response, retries, as_json, quiet) -> None:
    """Fill the SLO series for [--start, --end) from their good/bad/total PromQL queries.

    One slice per --step, evaluated at explicit times with /api/v1/query_range. For
    `counter: true` the events of slice [t, t+step) are value(t+step) - value(t) (a decrease is
    a counter reset: then value(t+step)); for `counter: false` the value at t+step is the
    number of events in the slice. A slice where the query returns nothing is reported as
    no data and gets no row. Each chunk is committed with its watermark, so re-running is a
    no-op and an interrupted run resumes where it stopped.

    \b
    Example:
      reliability --db rel.duckdb extract prometheus --url http://localhost:9090 \\
          --start 2025-11-01T00:00:00Z --end 2025-12-01T00:00:00Z --slo checkout-availability
      RELIABILITY_PROM_TOKEN=... reliability extract prometheus --header 'X-Scope-OrgID: team-a'
    """
    from reliability import slos, store
    from reliability.extract import prometheus as prom
    from reliability.extract.connection import Overrides, parse_header
    from reliability.extract.http import FetchError

    _setup_logging()
    overrides = Overrides(url=url, token_file=token_file, username=username, password_file=password_file,
                          headers=tuple(parse_header(h) for h in headers), ca_file=ca_file, insecure=insecure,
                          timeout=timeout, retries=retries,
                          max_bytes=max_response << 20 if max_response else None)
    step = parse_duration(step_text, "--step") if step_text else None
    chunk = parse_duration(chunk_text, "--chunk") if chunk_text else None
    start = parse_time(start_text, "--start") if start_text else None
    end = parse_time(end_text, "--end") if end_text else int(time.time()) - parse_duration(lag_text, "--lag")
    if start is not None and start >= end:
        raise BadInput(f"--start must be before --end ({start_text} >= {end_text or 'now'})", field="--start")

    db = ctx.obj["db"]
    with store.connect(db) as con:
        found = slos.load(con, slo_name)
        if slo_name and not found:
            raise BadInput(f"no SLO named {slo_name!r}; see 'reliability slo list'", field="--slo")
        chosen = [s for s in found if prom.is_prometheus(s)]
        if slo_name and not chosen:
            raise BadInput(f"SLO {slo_name!r} has no Prometheus metric sources", field="--slo")
        tgts = prom.targets(chosen, lambda name: slos.datasource(con, name), overrides, step)

    bar = None
    try:
        from tqdm import tqdm

        def plan(total: int) -> None:
            nonlocal bar
            bar = tqdm(total=total, unit="slice", unit_scale=True, file=sys.stderr, desc="extract",
                       disable=quiet or not sys.stderr.isatty())

        summaries = prom.run(db, tgts, start=start, end=end, backfill=parse_duration(backfill_text, "--backfill"),
                             chunk_seconds=chunk, parallel=parallel, on_plan=plan,
                             on_progress=lambda n: bar.update(n) if bar else None)
    except FetchError as exc:
        raise click.ClickException(f"{exc}. Chunks committed before the failure are kept; re-run to resume.") from None
    except (BadInput, click.ClickException, KeyboardInterrupt):
        raise
    except Exception as exc:  # anything unexpected: its text may hold a header value, so redact it
        if os.environ.get("RELIABILITY_DEBUG"):
            raise
        raise click.ClickException(prom.redactor(tgts)(f"{type(exc).__name__}: {exc}")) from None
    finally:
        if bar is not None:
            bar.close()
    _report(summaries, as_json)


def _setup_logging() -> None:
    logger = logging.getLogger("reliability.extract")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("warning: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.WARNING)
        logger.propagate = False


def _report(summaries, as_json: bool) -> None:
    from reliability.output import emit_json, fmt, iso_z, table

    def at(epoch):
        return None if epoch is None else datetime.fromtimestamp(epoch, tz=timezone.utc)

    docs = [{
        "slo": s.target.slo, "service": s.target.service, "sli": s.target.sli,
        "start": at(s.start), "end": at(s.end), "step_seconds": s.target.step,
        "slices": s.slices, "written": s.written, "no_data": s.no_data, "clamped": s.clamped,
        "gaps": [{"start": at(a), "end": at(b)} for a, b in s.gaps],
        "chunks": s.chunks, "watermark": at(s.watermark), "warnings": s.warnings,
    } for s in summaries]
    if as_json:
        emit_json({"source": "prometheus", "slos": docs})
        return
    if not docs:
        click.echo("no SLO with Prometheus metric sources", err=True)
        return
    rows = [[d["slo"], iso_z(d["start"]), iso_z(d["end"]), d["slices"], d["written"], d["no_data"],
             len(d["gaps"]), iso_z(d["watermark"]) or "-"] for d in docs]
    click.echo(table(["slo", "start", "end", "slices", "written", "no data", "gaps", "watermark"],
                     rows, right=(3, 4, 5, 6)))
    for d in docs:
        for w in d["warnings"]:
            click.echo(f"warning: {d['slo']}: {fmt(w)}", err=True)


# extract pagerduty|opsgenie|incidentio live in reliability.commands.extract_vendors, which adds
# them to this group when the CLI registers its command modules.
COMMANDS = [extract]
