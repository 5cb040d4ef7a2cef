"""The overview's composite SLOs (user journeys, docs/sla.md "Composite SLOs") for a month.

A journey is one SLO made of several: its own attainment (weighted mean or worst of its
members'), target, budget left (a share of the period's good service) and status, then its
members with their weights and own numbers, so a reader sees which step cost the journey its
budget. The numbers are ``sla --json``'s ``composites``, unchanged.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from reliability.app import tables
from reliability.app.tables import Col

PERCENT = {"attainment %": "attainment", "target %": "target", "budget left %": "error_budget_remaining",
           "coverage %": "data_coverage"}  # column -> the JSON's ratio, shown x 100


def _pct(rows: list[dict], key: str) -> list[float | None]:
    return [None if r.get(key) is None else r[key] * 100 for r in rows]


def journeys(rows: list[dict]) -> pd.DataFrame:
    """One line per composite: name, rule (``weighted of 4``, ``worst of 2``), the percentages
    and the status (``insufficient_data`` when a member has too little data)."""
    frame = pd.DataFrame({"journey": [r["slo"] for r in rows],
                          "rule": [f"{r['aggregation']} of {len(r['members'])}" for r in rows]})
    for column, key in PERCENT.items():
        frame[column] = _pct(rows, key)
    frame["status"] = [r["status"] + (" (partial)" if r.get("partial") else "") for r in rows]
    return frame


def _address(m: dict) -> str:
    """A member's address as every table writes it (``name{customer="acme"}`` for an instance)."""
    labels = ",".join(f'{k}="{v}"' for k, v in (m.get("instance") or {}).items())
    return m["slo"] + (f"{{{labels}}}" if labels else "")


def members(rows: list[dict]) -> pd.DataFrame:
    """One line per (composite, member): weight (normalised), budgeting method, attainment %,
    budget left % and status of the member itself."""
    lines = [{"journey": r["slo"], "member": _address(m), "weight": m["weight"],
              "budgeting method": m["budgeting_method"],
              "attainment %": None if m["attainment"] is None else m["attainment"] * 100,
              "budget left %": None if m["error_budget_remaining"] is None else m["error_budget_remaining"] * 100,
              "status": m["status"] + (" (worst)" if m.get("worst") else "")}
             for r in rows for m in r["members"]]
    return pd.DataFrame(lines)


def section(rows: list[dict], month: str) -> None:
    """The block, nothing when no composite is defined."""
    if not rows:
        return
    st.subheader(f"User journeys: composite SLOs ({month})")
    st.caption("A journey's attainment is the weighted mean (or the worst) of its members' attainments; its "
               "budget is a share of the month's good service. A member with insufficient data leaves the "
               "journey without a verdict.")
    four, one = Col(digits=4), Col(digits=1)
    tables.show(journeys(rows), {"attainment %": four, "target %": four, "budget left %": one, "coverage %": one})
    tables.show(members(rows), {"weight": four, "attainment %": four, "budget left %": one})
