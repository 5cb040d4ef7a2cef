"""The table of composite SLOs under ``sla`` (docs/sla.md, "Composite SLOs")."""

from __future__ import annotations

import click

from reliability.output import fmt, table
from reliability.units import percent


def show(journeys: list[dict], label: str) -> None:
    """One line per composite, then one per member (indented), with the JSON's numbers."""
    from reliability.units import status_text

    click.echo(f"Composite SLOs, {label}")
    lines = []
    for j in journeys:
        lines.append([j["slo"], j["aggregation"], f"{j['target'] * 100:.6g}%", percent(j["attainment"], 4),
                      fmt(j["bad"], 6), fmt(j["allowed_bad"], 6), percent(j["error_budget_remaining"], 1),
                      percent(j["data_coverage"], 1), status_text(j["status"], j["partial"])])
        for m in j["members"]:
            share = f"w {fmt(m['weight'], 4)}" + (" (worst)" if m.get("worst") else "")
            lines.append([f"  {m['slo']}", share, f"{m['target'] * 100:.6g}%", percent(m["attainment"], 4),
                          "", "", percent(m["error_budget_remaining"], 1), percent(m["data_coverage"], 1),
                          status_text(m["status"], False)])
    click.echo(table(["composite / member", "rule", "target", "attainment", "bad (share)", "allowed (share)",
                      "budget left", "coverage", "status"], lines, right=(2, 3, 4, 5, 6, 7)))
    unknown = [j["slo"] for j in journeys if j["status"] == "insufficient_data"]
    if unknown:
        click.echo(f"insufficient data in a member: no verdict for {', '.join(unknown)}")
