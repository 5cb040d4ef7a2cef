"""Contracts at risk this month: each customer contract measured over its SLA period so far, the
room left to its SLA level, and the credit it would owe if the month ended now
(``reliability contracts risk``, docs/contracts.md)."""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
import streamlit as st

from reliability import charts, units
from reliability.app import contract_data, data, static_chart, tables, widgets
from reliability.contracts import money, text

COLORS = {"credit_owed": "#c62828", "at_risk": "#ef6c00", "unknown": "#9e9e9e", "ok": "#2e7d32"}
LABELS = {"credit_owed": "credit owed", "at_risk": "at risk", "unknown": "unknown (insufficient data)", "ok": "ok"}


def room_chart(docs: list[dict], threshold: float) -> str:
    """Room left to each contract's SLA level (%), in the order given (most at risk first),
    coloured by risk; unknown ones without a bar, named so; the at-risk threshold dashed."""
    names = [f"{d['contract']} ({d['customer']})" for d in docs]
    values = [d["room_left"] for d in docs]
    texts = [LABELS[d["risk"]] if v is None else f"{v * 100:.1f} % · {LABELS[d['risk']]}" for v, d in zip(values, docs)]
    return charts.hbars(names, values, [COLORS[d["risk"]] for d in docs],
                        "Room left to the contract's SLA level, month so far (%)", width=900, texts=texts,
                        threshold=threshold, threshold_label=f"at risk below {threshold * 100:g} %",
                        x_label="room left = 1 − (1 − attainment) / (1 − SLA level); 0: at the level")


def _table(docs: list[dict]) -> pd.DataFrame:
    rows = []
    for d in docs:
        worst = next((e for e in d["slos"] if e["slo"] == d["worst_slo"]), None)
        rows.append({
            "contract": d["contract"], "customer": d["customer_name"], "risk": LABELS[d["risk"]],
            "worst SLO": d["worst_slo"] or "-",
            "attainment so far": text.attainment(worst["attainment"], text.bounds(d)) if worst else "-",
            "SLA level": f"{d['sla_level'] * 100:g}%",
            "room left %": None if d["room_left"] is None else round(d["room_left"] * 100, 2),
            "credit so far": text.credit(d), "amount so far": text.amount(d),
            "fee for the period": money.text(d["fee_for_period"], d["currency"]),
            "share of month": units.percent(d["share_of_month"], 1),
            "measured until": f"{d['measured_until']:%Y-%m-%d %H:%M} UTC",
        })
    return pd.DataFrame(rows)


def owed_text(docs: list[dict]) -> str:
    """What the contracts owe so far, per currency: "unknown" when no contract's amount is
    known and none owes anything in any case, "at least ..." while some are unknown (their
    ``amount_at_least``), never a bare 0 that reads as "nothing owed" when it is not known."""
    owed: dict[str, float] = {}
    unknown = 0
    for d in docs:
        value = d["amount"]
        if value is None:
            unknown += 1
            value = d.get("amount_at_least") or 0
        if value:
            owed[d["currency"]] = owed.get(d["currency"], 0) + value
    total = "; ".join(money.text(v, c) for c, v in sorted(owed.items()))
    if not unknown:
        return total or "0"
    if not total and unknown == len(docs):
        return "unknown"
    return f"at least {total or '0'}"


def provisional_text(month: str, docs: list[dict]) -> str:
    """The notice of a month still running (or past the newest data): until when it is
    measured, and which contracts have no data in it at all (their data end before it starts)."""
    partial = [d for d in docs if d["partial"]]
    empty = [d for d in partial if _instant(d["as_of"]) <= _instant(d["period_start"])]
    measured = [d for d in partial if d not in empty]
    parts = []
    if measured:
        until = min(_instant(d["as_of"]) for d in measured)
        parts.append(f"{month} is measured up to {until:%Y-%m-%d %H:%M} UTC (the month so far, or where the data "
                     "end): these numbers are provisional.")
    if empty:
        names = ", ".join(d["contract"] for d in empty)
        parts.append(f"No data yet in {month} for {names}: the newest data end before the month starts "
                     "(Data health shows how far each series reaches), so their status is unknown.")
    return " ".join(parts)


def _instant(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def page() -> None:
    st.title("Contracts at risk")
    db = data.db_path()
    stamp = data.stamp(db)
    if not contract_data.contract_count(db, stamp):
        st.info("No customer contracts stored. Apply a contracts file with `reliability contracts apply` "
                "(the sample has three: `reliability demo`).")
        return
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)  # the cache key moves by the minute
    current = f"{now:%Y-%m}"
    months = sorted({current, *data.months_with_data(db, stamp)}, reverse=True)
    c1, c2 = st.columns([1, 2])
    month = widgets._pick("month", "Month (measured so far)", months, current, c1)
    threshold = c2.slider("At risk below this share of room left (%)", 5, 95, 50, step=5) / 100
    doc = contract_data.at_risk(db, stamp, month, now, threshold)
    docs = doc["contracts"]
    if not docs:
        st.info(f"No contract is in force in {month}.")
        return
    counts = doc["counts"]
    m = st.columns(5)
    m[0].metric("Contracts in force", len(docs))
    m[1].metric("Credit owed so far", f"{counts['credit_owed']} (+{counts['unknown']} unknown)" if counts["unknown"]
                else counts["credit_owed"], help="Contracts owing a credit; unknown ones (insufficient data) may too")
    m[2].metric("At risk", counts["at_risk"], help=f"Room left to the SLA level below {threshold * 100:g} %")
    m[3].metric("Unknown", counts["unknown"], help="Insufficient data so far: no verdict, never counted as ok")
    m[4].metric("Owed so far", owed_text(docs),
                help="The credits the month so far gives, if it ended now; with contracts of unknown "
                     "status (insufficient data), at least what those owe in any case")
    if any(d["partial"] for d in docs):
        st.info(provisional_text(month, docs))
    static_chart.show(room_chart(docs, threshold))
    tables.show(_table(docs))
    st.subheader("Covered SLOs")
    slos = pd.DataFrame([{
        "contract": d["contract"], "slo": e["slo"], "attainment": text.attainment(e["attainment"], text.bounds(d)),
        "against the SLA level": e["contract_status"].replace("_", " "),
        "room left %": None if e.get("room_left") is None else round(e["room_left"] * 100, 2),
        "coverage": units.percent(e["data_coverage"], 1), "excluded min": e["excluded_minutes"],
        "credit": "unknown" if e["credit_percent"] is None else f"{e['credit_percent']:g}%",
    } for d in docs for e in d["slos"]])
    if not slos.empty:
        tables.show(slos)
    unmeasured = [f"{d['contract']}: {u}" for d in docs for u in d["unmeasured"]]
    for line in unmeasured:
        st.warning(line)
    st.caption("Each contract is measured over its SLA period so far (its calendar month in its time zone, cut "
               "to its term, with its exclusions left out). Room left = 1 − (1 − attainment) / (1 − SLA level): "
               "100 % with nothing bad, 0 at the level, negative below it (a credit is owed). "
               "`reliability contracts risk` prints the same; docs/contracts.md.")


if __name__ == "__main__":
    page()
