"""``reliability compliance`` and ``reliability action-items``: response, update-cadence and
post-mortem targets, and the state of action items."""

from __future__ import annotations

import click

from reliability.output import emit_json, fmt, table
from reliability.units import duration, percent


def _as_of(text: str | None):
    from datetime import UTC, datetime

    from reliability.errors import BadInput
    from reliability.ingest.common import parse_timestamp

    if text is None:
        return datetime.now(UTC)
    try:
        value = parse_timestamp(text, allow_date=True)
    except ValueError as exc:
        raise BadInput(str(exc), field="--as-of") from None
    if value is None:
        raise BadInput("expected a timestamp", field="--as-of")
    return value


def _pct(value) -> str:
    return percent(value, 1)


@click.command("compliance")
@click.option("--month", required=True, metavar="YYYY-MM", help="Incidents detected in this month.")
@click.option("--tz", "tz", default="UTC", show_default=True, help="IANA time zone of the month.")
@click.option("--service", default=None, help="Only this service.")
@click.option("--ack-target", "ack_targets", multiple=True, metavar="SEV-N=MINUTES",
              help="Response target override, e.g. SEV-2=10 or SEV-4=next-business-day (repeatable).")
@click.option("--business-tz", default=None, help="IANA zone of the business calendar (default: --tz).")
@click.option("--holiday", "holidays", multiple=True, metavar="YYYY-MM-DD", help="A non-business day (repeatable).")
@click.option("--cadence", "cadence", multiple=True, metavar="SEV-N=MINUTES",
              help="Update-cadence target override, e.g. SEV-2=30 or SEV-3=20, SEV-2=off (repeatable).")
@click.option("--update-kind", "update_kinds", multiple=True, metavar="KIND",
              help="Timeline entry kinds that count as updates (default: update; repeatable).")
@click.option("--as-of", default=None, metavar="TIMESTAMP", help="Judge missing post-mortems at this time (default: now).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
@click.pass_context
def compliance(ctx, month, tz, service, ack_targets, business_tz, holidays, cadence, update_kinds, as_of, as_json) -> None:
    """Response targets, update cadence and post-mortems for the incidents of a month.

    Response: acknowledged within SEV-1 5, SEV-2 15, SEV-3 60 minutes, SEV-4 by the end of the
    next business day (Mon-Fri minus --holiday dates, in --business-tz). Cadence: stakeholder
    updates between detection and mitigation at least every 15 (SEV-1) / 60 (SEV-2) minutes.
    Post-mortems: SEV-1 published within 48 h of resolution (SEV-2 recommended).

    \b
    Example:
      reliability --db rel.duckdb compliance --month 2026-01 --holiday 2026-01-01 --json
    """
    from reliability import periods, store
    from reliability.api import incident_rows as api

    ack = api.parse_ack_targets(ack_targets)
    cal = api.business_calendar(business_tz or tz, api.parse_holidays(holidays))
    periods.zone(cal.zone, "--business-tz")
    cad = api.parse_cadence(cadence)
    when = _as_of(as_of)
    periods.month(month, tz)
    with store.connect(ctx.obj["db"], read_only=True) as con:
        doc = api.response_targets(con, month, tz, service=service, ack_targets=ack, calendar=cal,
                                   cadence_targets=cad, update_kinds=tuple(update_kinds) or api.default_update_kinds())
        doc["as_of"] = when
        doc["postmortems"] = api.postmortems(con, month, tz, as_of=when, service=service)
    if as_json:
        emit_json(doc)
        return
    click.echo(f"Incidents detected in {doc['month']} ({tz}): {doc['count']}")
    # ack unknown: neither met nor missed; met % is over the incidents with a known acknowledgement
    click.echo(table(["severity", "count", "target", "met", "met %", "ack unknown", "missed"],
                     [[s, r["count"], _target(r["target"]), r["met"], _pct(r["met_share"]), r["ack_unknown"],
                       ", ".join(r["missed_ids"])]
                      for s, r in doc["response"].items()], right=(1, 3, 4, 5)))
    click.echo("\nUpdate cadence")
    click.echo(table(["severity", "target", "assessed", "compliant %", "gaps over %", "longest silence"],
                     [[s, duration(c["target_minutes"]), c["assessed"], _pct(c["compliant_share"]),
                       _pct(c["gaps_over_target_share"]), duration(c["longest_silence_minutes"])]
                      for s, c in doc["cadence"].items()], right=(1, 2, 3, 4, 5)))
    click.echo("\nPost-mortems")
    click.echo(table(["severity", "required", "on time", "late", "missing", "compliance"],
                     [[s, "yes" if p["required"] else "recommended", p["on_time"], p["late"], p["missing"], _pct(p["compliance"])]
                      for s, p in doc["postmortems"].items()], right=(2, 3, 4, 5)))


def _target(value) -> str:
    """A response target: minutes in the human format, or its name (next-business-day)."""
    return duration(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else fmt(value)


@click.command("action-items")
@click.option("--as-of", default=None, metavar="TIMESTAMP", help="Overdue = open with due before this (default: now).")
@click.option("--service", default=None, help="Only this service's incidents.")
@click.option("--owner", default=None, help="Only this owner.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
@click.pass_context
def action_items(ctx, as_of, service, owner, as_json) -> None:
    """Action items of incidents: open, overdue (open and past due), by owner.

    \b
    Example:
      reliability --db rel.duckdb action-items --as-of 2026-11-01T00:00:00Z --json
    """
    from reliability import store
    from reliability.api import incident_rows as api

    when = _as_of(as_of)
    with store.connect(ctx.obj["db"], read_only=True) as con:
        doc = api.action_items(con, when, service=service, owner=owner)
    if as_json:
        emit_json(doc)
        return
    click.echo(f"Action items at {when:%Y-%m-%d %H:%M}Z: {doc['total']} ({doc['open']} open, {doc['overdue']} overdue)")
    click.echo(table(["owner", "total", "done", "open", "overdue"],
                     [[o, c["total"], c["done"], c["open"], c["overdue"]] for o, c in doc["by_owner"].items()],
                     right=(1, 2, 3, 4)))


COMMANDS = [compliance, action_items]
