"""``reliability contracts``: customer contracts in, their breaches and risks out; and
``reliability report statement``, the customer's monthly statement (docs/contracts.md)."""

from __future__ import annotations

import click

from reliability.commands.report import report
from reliability.output import emit_json, table
from reliability.units import percent

_FILE = click.option("--contracts", "contracts_file", metavar="FILE",
                     help="Read the contracts from this YAML file instead of the stored ones.")
_JSON = click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
_COVERAGE = click.option("--min-coverage", type=float, default=0.9, show_default=True, metavar="RATIO",
                         help="Coverage below which a credit is unknown (a contract's minCoverage wins).")


def as_of_instant(text: str | None, option: str = "--as-of"):
    """An ISO 8601 instant (a date alone: midnight UTC); default now."""
    from datetime import datetime, timezone

    from reliability.api.rows import parse_instant

    return datetime.now(timezone.utc) if text is None else parse_instant(text, option)


@click.group("contracts")
def contracts() -> None:
    """Customer contracts: the SLOs they cover, credit tiers, fees, terms and exclusions.

    \b
    Example:
      reliability --db rel.duckdb contracts apply contracts.yaml
      reliability --db rel.duckdb credits --customer acme
    """


@contracts.command("apply")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.pass_context
def apply_cmd(ctx: click.Context, files: tuple[str, ...]) -> None:
    """Validate and store contracts from YAML files (documents of kind: Contract).

    A contract whose metadata.name is stored replaces it. All files are validated first and
    stored in one transaction: one bad field (exit 2, naming the file, the contract and the
    field) and nothing is stored.

    \b
    Example:
      reliability --db rel.duckdb contracts apply data/contracts.yaml
    """
    from reliability import slos, store, writes
    from reliability.contracts import month as contract_month, storage

    found = storage.read_files(list(files))
    with store.connect(ctx.obj["db"]) as con, writes.transaction(con):
        applied = storage.apply(con, found)
    customers = sorted({c.customer for c in applied})
    n, k = len(applied), len(customers)
    click.echo(f"applied {n} contract{'' if n == 1 else 's'} ({k} customer{'' if k == 1 else 's'}: "
               f"{', '.join(customers)})", err=True)
    # Stored all the same (SLOs may be applied after their contracts), but said now: a name
    # mistyped here would otherwise surface only as an unknown credit months later.
    with store.connect(ctx.obj["db"], read_only=True) as con:
        defined = slos.load(con)
    for c in applied:
        for problem in contract_month.select(c, defined)[1]:
            click.echo(f"warning: contract {c.name} {problem}; its credit stays unknown until that is fixed",
                       err=True)


@contracts.command("list")
@_FILE
@_JSON
@click.pass_context
def list_cmd(ctx: click.Context, contracts_file: str | None, as_json: bool) -> None:
    """List the contracts: customer, term, fee, covered SLOs and tiers.

    \b
    Example:
      reliability --db rel.duckdb contracts list --json
    """
    from reliability import store
    from reliability.contracts import documents, money, storage

    with store.connect(ctx.obj["db"], read_only=True) as con:
        if as_json:
            emit_json(documents.contracts_list(con, contracts_file))
            return
        found = storage.contracts(con, contracts_file)
    if not found:
        click.echo("no contracts stored (see `reliability contracts apply`)")
        return
    click.echo(table(
        ["contract", "customer", "start", "end", "monthly fee", "covers", "tiers", "exclusions"],
        [[c.name, c.customer, c.start.isoformat(), c.end.isoformat() if c.end else "open",
          money.text(c.monthly_fee, c.currency), "; ".join(s.text() for s in c.slos),
          ", ".join(f"<{float(t.below) * 100:g}%: {float(t.credit_percent):g}%" for t in c.tiers),
          len(c.exclusions)] for c in found],
        right=(4, 7)))


@contracts.command("show")
@click.argument("name")
@click.pass_context
def show_cmd(ctx: click.Context, name: str) -> None:
    """Print a stored contract as applied (YAML).

    \b
    Example:
      reliability --db rel.duckdb contracts show acme-gateway
    """
    row = _stored(ctx.obj["db"], name)
    click.echo(f"# {name}, applied {row['applied_at']:%Y-%m-%d %H:%M}Z from {row['source_file']}")
    click.echo(row["source_yaml"], nl=False)


def _stored(db, name: str) -> dict:
    """The stored row of contract ``name``; bad input when there is none."""
    from reliability import store
    from reliability.contracts import storage
    from reliability.errors import BadInput

    with store.connect(db, read_only=True) as con:
        rows = [r for r in storage.stored(con) if r["name"] == name]
    if not rows:
        raise BadInput(f"no contract named {name!r} (see `reliability contracts list`)", field="NAME")
    return rows[0]


@contracts.command("remove")
@click.argument("name")
@click.pass_context
def remove_cmd(ctx: click.Context, name: str) -> None:
    """Delete a stored contract.

    \b
    Example:
      reliability --db rel.duckdb contracts remove acme-gateway
    """
    from reliability import store, writes
    from reliability.contracts import storage

    _stored(ctx.obj["db"], name)
    with store.connect(ctx.obj["db"]) as con, writes.transaction(con):
        storage.remove(con, name)
    click.echo(f"removed contract {name}", err=True)


@contracts.command("breaches")
@click.option("--month", metavar="YYYY-MM", help="One month (each contract's calendar month).")
@click.option("--from", "first", metavar="YYYY-MM", help="First month of a range (with --to).")
@click.option("--to", "last", metavar="YYYY-MM", help="Last month, included.")
@click.option("--customer", metavar="ID", help="Only this customer's contracts.")
@click.option("--contract", "contract_name", metavar="NAME", help="Only this contract.")
@click.option("--as-of", "as_of", metavar="TIME", help="Judge the evidence as of this instant (default now).")
@_COVERAGE
@_FILE
@_JSON
@click.pass_context
def breaches_cmd(ctx, month, first, last, customer, contract_name, as_of, min_coverage, contracts_file,
                 as_json) -> None:
    """The breach process of every contractual breach: incident declared, root cause,
    post-mortem, post-mortem shared with the customer, service credits, action plan — each
    step done or missing, with its evidence. A contractual breach is a contract-month where a
    covered SLO with enough data is below the contract's SLA level (a credit is owed). Under
    the table, each breach with steps missing lists them with their evidence (--json: every
    step's).

    \b
    Example:
      reliability --db rel.duckdb contracts breaches --from 2026-01 --to 2026-10
      reliability --db rel.duckdb contracts breaches --month 2026-10 --contract globex-gateway
    """
    from reliability import store
    from reliability.contracts import breaches, documents, text

    with store.connect(ctx.obj["db"], read_only=True) as con:
        doc = documents.contract_breaches(con, month, first, last, customer, as_of_instant(as_of), contracts_file,
                                          min_coverage, contract_name)
    found = doc["breaches"]
    months = [doc["from"], doc["to"]]
    if as_json:
        emit_json(doc)
        return
    if not found:
        click.echo(f"no contractual breach in {months[0]}..{months[-1]}")
        return
    mark = {"done": "done", "missing": "MISSING", "not_applicable": "n/a"}
    click.echo(table(["month", "contract", "customer", "worst slo", "attainment", "credit"]
                     + list(breaches.STEPS),
                     [[b["month"], b["contract"], b["customer"], b["slo"], text.attainment(b["attainment"], text.bounds(b)),
                       "unknown" if b["credit_percent"] is None else f"{b['credit_percent']:g}%"]
                      + [mark[b["steps"][s]["status"]] for s in breaches.STEPS] for b in found],
                     right=(4, 5)))
    s = doc["summary"]
    click.echo(f"{s['breaches']} contractual breach{'' if s['breaches'] == 1 else 'es'}: {s['complete']} complete, "
               f"{s['incomplete']} with steps missing")
    for b in found:
        if b["missing"]:
            n = len(b["missing"])
            click.echo(f"{b['contract']} {b['month']}: {n} step{'' if n == 1 else 's'} missing")
            for step in b["missing"]:
                click.echo(f"  {step}: {b['steps'][step]['evidence']}")


@contracts.command("risk")
@click.option("--month", metavar="YYYY-MM", help="The month (default: this month, UTC), measured so far.")
@click.option("--at", "at", metavar="TIME", help="Measure up to this instant instead of now.")
@click.option("--threshold", type=float, default=0.5, show_default=True, metavar="RATIO",
              help="At risk below this share of room left to the contract's SLA level.")
@click.option("--customer", metavar="ID", help="Only this customer's contracts.")
@click.option("--contract", "contract_name", metavar="NAME", help="Only this contract.")
@_COVERAGE
@_FILE
@_JSON
@click.pass_context
def risk_cmd(ctx, month, at, threshold, customer, contract_name, min_coverage, contracts_file, as_json) -> None:
    """Contracts at risk this month: each contract measured over its SLA period so far, with the
    room left to its SLA level (1 − (1 − attainment) / (1 − level)), the credit it would owe if
    the month ended now, and a status: credit_owed, at_risk (room left below --threshold),
    unknown (insufficient data) or ok.

    \b
    Example:
      reliability --db rel.duckdb contracts risk --month 2026-10 --json
    """
    from reliability import store
    from reliability.contracts import documents, text

    with store.connect(ctx.obj["db"], read_only=True) as con:
        doc = documents.contracts_at_risk(con, month, as_of_instant(at, "--at"), threshold, contracts_file,
                                          min_coverage, customer, contract_name)
    if as_json:
        emit_json(doc)
        return
    docs, month = doc["contracts"], doc["month"]
    if not docs:
        click.echo(f"no contract in force in {month}")
        return
    click.echo(table(["contract", "customer", "risk", "worst slo", "room left", "credit so far", "amount"],
                     [[d["contract"], d["customer"], d["risk"], d["worst_slo"] or "-", percent(d["room_left"], 1),
                       text.credit(d), text.amount(d)] for d in docs], right=(4, 5, 6)))
    until = max(d["measured_until"] for d in docs)
    click.echo(f"{month} measured up to {until:%Y-%m-%d %H:%M} UTC; room left = 1 − (1 − attainment) "
               f"/ (1 − SLA level), at risk below {doc['threshold'] * 100:g}%")
    for d in docs:
        if d["risk"] == "unknown":
            click.echo(f"unknown: {d['contract']}: {text.why_unknown(d, 'the period so far')}")


@report.command("statement")
@click.option("--customer", required=True, metavar="ID", help="The customer (id or name).")
@click.option("--month", required=True, metavar="YYYY-MM", help="The month (each contract's calendar month).")
@click.option("--out", "out", required=True, metavar="FILE", help="Output file: .md, .html or .pdf.")
@_COVERAGE
@_FILE
@click.pass_context
def statement(ctx, customer, month, out, min_coverage, contracts_file) -> None:
    """The customer's claim-ready monthly statement: per contract, the SLA period, attainment
    per covered SLO, excluded windows, the incidents that hit the customer, and the credit owed
    (tier, percent, amount). Markdown, HTML, or PDF (the HTML printed by headless Chromium).

    \b
    Example:
      reliability --db rel.duckdb report statement --customer acme --month 2026-05 --out acme-2026-05.pdf
    """
    from reliability.reports import statement as reports

    doc = reports.open_and_build(ctx.obj["db"], customer, month, out, min_coverage, contracts_file)
    n = len(doc["contracts"])
    click.echo(f"wrote {out}: {n} contract{'' if n == 1 else 's'} of {doc['customer']} in {month}, "
               f"credit owed {doc['owed_text']}", err=True)


COMMANDS = [contracts]
