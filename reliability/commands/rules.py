"""``reliability rules``: Prometheus recording and alerting rules for an SLO."""

from __future__ import annotations

import click


def _pairs(option: str, values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    from reliability.errors import BadInput
    from reliability.promql import LABEL_NAME

    out = []
    for text in values:
        key, sep, value = text.partition("=")
        if not sep or not LABEL_NAME.match(key) or key.startswith("__"):
            raise BadInput(f"expected NAME=VALUE with a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*, "
                           f"not starting with __), got {text!r}", field=option)
        out.append((key, value))
    return tuple(out)


@click.command("rules")
@click.option("--slo", "slo_name", required=True, metavar="NAME", help="The SLO.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to this file (default: stdout).")
@click.option("--sloth", is_flag=True, help="Sloth-compatible output: sloth_* labels, groups and meta recordings.")
@click.option("--windows", type=click.Path(dir_okay=False), metavar="FILE",
              help="Alert windows in Sloth's AlertWindows format (required for periods under 28 days but 7d).")
@click.option("--alert-name", metavar="NAME", help="One name for every alert (the severity label tells them apart).")
@click.option("--page-alert", default="SLOBurnRatePage", show_default=True, metavar="NAME", help="Name of the page alert.")
@click.option("--ticket-alert", default="SLOBurnRateTicket", show_default=True, metavar="NAME",
              help="Name of the ticket alert.")
@click.option("--label", "labels", multiple=True, metavar="K=V", help="Label on every rule (repeatable).")
@click.option("--alert-label", "alert_labels", multiple=True, metavar="K=V", help="Label on every alert (repeatable).")
@click.option("--annotation", "annotations", multiple=True, metavar="K=V",
              help="Annotation on every alert, e.g. summary=... or runbook_url=... (repeatable).")
@click.option("--page-label", "page_labels", multiple=True, metavar="K=V", help="Label on the page alert (repeatable).")
@click.option("--ticket-label", "ticket_labels", multiple=True, metavar="K=V",
              help="Label on the ticket alert (repeatable).")
@click.pass_context
def rules(ctx: click.Context, slo_name: str, output: str | None, sloth: bool, windows: str | None,
          alert_name: str | None, page_alert: str, ticket_alert: str, labels: tuple[str, ...],
          alert_labels: tuple[str, ...], annotations: tuple[str, ...], page_labels: tuple[str, ...], ticket_labels: tuple[str, ...]) -> None:
    """Prometheus recording rules (the error ratio over each window the alerts use) and
    alerting rules for an SLO, as a rule file that `promtool check rules` accepts.

    The alerts follow the SLO's OpenSLO AlertPolicy/AlertCondition (burn rate op threshold
    over lookbackWindow, for: alertAfter) when it has one; else the multi-window,
    multi-burn-rate page and ticket alerts (SRE workbook table scaled to the period; Sloth's
    table for 7 days; --windows FILE otherwise).

    \b
    Example:
      reliability --db rel.duckdb rules --slo checkout-availability -o checkout.rules.yml
      reliability --db rel.duckdb rules --slo checkout-availability --sloth \\
          --alert-name CheckoutHighErrorRate --label team=payments --page-label severity=critical
    """
    from reliability import slos, store
    from reliability.errors import BadInput
    from reliability.openslo.alerts import slo_conditions
    from reliability.rules import ALERT_NAME, Options, rules_yaml

    for option, name in (("--alert-name", alert_name), ("--page-alert", page_alert), ("--ticket-alert", ticket_alert)):
        if name is not None and not ALERT_NAME.match(name):
            raise BadInput(f"expected an alert name of letters, digits, '_', ':', '.' or '-', got {name!r}", field=option)
    options = Options(flavour="sloth" if sloth else "plain", alert_name=alert_name, page_alert=page_alert,
                      ticket_alert=ticket_alert, labels=_pairs("--label", labels),
                      alert_labels=_pairs("--alert-label", alert_labels),
                      annotations=_pairs("--annotation", annotations),
                      page_labels=_pairs("--page-label", page_labels),
                      ticket_labels=_pairs("--ticket-label", ticket_labels), windows=windows)
    with store.connect(ctx.obj["db"], read_only=True) as con:
        found = slos.load(con, slo_name)
        if not found:
            raise BadInput(f"no SLO named {slo_name!r} (see `reliability slo list`)", field="--slo")
        definition, policies, conditions = slos.alerting(con, slo_name)
    conds, notes = slo_conditions(slo_name, definition, policies, conditions)
    if conds and windows:
        raise BadInput(f"SLO {slo_name!r} has an AlertPolicy, whose conditions set the windows", field="--windows")
    made: list[str] = []
    text = rules_yaml(found[0], conds, options, made)
    for note in notes + [n for n in made if n.startswith("warning:")]:
        click.echo(note if note.startswith("warning:") else f"note: {note}", err=True)
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        click.echo(text, nl=False)


COMMANDS = [rules]
