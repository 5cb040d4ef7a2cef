"""``reliability report``: documents people circulate — the monthly SLA review, post-mortem
drafts and stakeholder updates (``reliability.reports``)."""

from __future__ import annotations

import click

from reliability.units import count_of


@click.group("report")
def report() -> None:
    """Write documents: monthly SLA review, post-mortem draft, stakeholder update.

    \b
    Example:
      reliability --db rel.duckdb report monthly --month 2026-03 --out review.html
    """


@report.command("monthly")
@click.option("--month", required=True, metavar="YYYY-MM", help="The month to review.")
@click.option("--out", "out", required=True, metavar="FILE", help="Output file: .html, .md or .pdf.")
@click.option("--interactive", is_flag=True,
              help="HTML/PDF: interactive Plotly charts (plotly.js inline, about 5 MB) instead of static SVG.")
@click.option("--group-by", "group_by", metavar="LABEL", multiple=True,
              help="Roll up by this label (repeatable; default: team, tier and journey when the SLOs carry them).")
@click.pass_context
def monthly(ctx, month, out, interactive, group_by) -> None:
    """Monthly SLA review: summary, services with charts, incidents, time metrics, patterns.

    The format follows --out: .html (one self-contained file with static SVG charts, small
    enough to mail; --interactive for Plotly charts), .md (GitHub-flavoured Markdown tables) or
    .pdf (the HTML printed by headless Chromium, with a table of contents and page numbers).
    Nothing is written unless the whole report was computed. It ends with the roll-ups by
    label (SLOs met / measured per team, tier, journey) and the SLOs whose definition changed
    during the month, with both segments.

    \b
    Example:
      reliability --db rel.duckdb report monthly --month 2026-03 --out review-2026-03.pdf
      reliability --db rel.duckdb report monthly --month 2026-06 --group-by team --out june.md
    """
    from reliability.reports import monthly as reports

    doc = reports.open_and_build(ctx.obj["db"], month, out, interactive=interactive, group_by=group_by or None)
    from reliability import store
    from reliability.api import rows as api

    with store.connect(ctx.obj["db"], read_only=True) as con:
        api.warn_unusable(api.unusable_in_month(con, month))
    s = doc["summary"]
    short = len(s["insufficient_data"])
    click.echo(f"wrote {out}: {s['compliant']} of {count_of(s['measured'], 'SLO')} (without grouping labels) with enough data met, "
               f"{len(s['breaches'])} breached, {short} with insufficient data, {count_of(s['incidents'], 'incident')}", err=True)
    if short:
        click.echo(f"warning: {short} of {count_of(s['slos'], 'SLO')} {'has' if short == 1 else 'have'} too little data in {month} for a verdict "
                   "(listed apart in the report, not counted as met)", err=True)


@report.command("postmortem")
@click.argument("incident_id", metavar="INC_ID")
@click.option("--out", "out", required=True, metavar="FILE.md", help="Markdown file; the chart goes next to it.")
@click.pass_context
def postmortem(ctx, incident_id, out) -> None:
    """Post-mortem draft of one incident, with computed impact, timeline and action items.

    Writes FILE.md and FILE.impact.svg (failed requests per minute around the impact window).
    Root cause details, what went well or poorly and lessons are left as placeholders.

    \b
    Example:
      reliability --db rel.duckdb report postmortem INC-0137 --out INC-0137.md
    """
    from reliability import store
    from reliability.reports import postmortem as reports
    from reliability.reports import render

    render.out_format(out, (".md",))
    with store.connect(ctx.obj["db"], read_only=True) as con:
        doc = reports.build(con, incident_id, out)
    click.echo(f"wrote {out}" + (f" and {doc['chart']}" if doc["chart"] else ""), err=True)


@report.command("update")
@click.argument("incident_id", metavar="INC_ID")
@click.option("--kind", required=True, type=click.Choice(["initial", "progress", "resolved"]),
              help="Which update to write.")
@click.option("--at", "at", default=None, metavar="TIMESTAMP",
              help="Write it as of this instant (default: detection, one cadence later, resolution).")
@click.option("--out", "out", default=None, metavar="FILE", help="Also write the text to FILE (.txt or .md).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
@click.pass_context
def update(ctx, incident_id, kind, at, out, as_json) -> None:
    """Stakeholder / status-page update: status, impact so far, affected share, next update.

    The next update is due after the severity's cadence (SEV-1 15 minutes, SEV-2 60).

    \b
    Example:
      reliability --db rel.duckdb report update INC-0137 --kind initial
    """
    from pathlib import Path

    from reliability import store
    from reliability.output import emit_json
    from reliability.reports import render
    from reliability.reports import update as reports

    if out is not None:
        render.out_format(out, (".txt", ".md"))
    when = None
    if at is not None:
        from reliability.errors import BadInput
        from reliability.ingest.common import parse_timestamp

        try:
            when = parse_timestamp(at, allow_date=True)
        except ValueError as exc:
            raise BadInput(str(exc), field="--at") from None
        if when is None:
            raise BadInput("expected a timestamp", field="--at")
    with store.connect(ctx.obj["db"], read_only=True) as con:
        doc = reports.compose(con, incident_id, kind, when)
    if out is not None:
        render.write_files({Path(out): doc["text"].encode()})
    if as_json:
        emit_json(doc)
    else:
        click.echo(doc["text"], nl=False)


COMMANDS = [report]
