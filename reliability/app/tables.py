"""The app's tables: static HTML for what a reader reads, Streamlit's grid for long lists.

Measured in Chromium (benchmarks/README.md, "Tables"): a 20-row ``st.dataframe`` (Streamlit's
canvas grid) adds 0.5-1.0 s to a visit and ``st.table`` 0.4 s (a Markdown renderer per cell),
while the same rows as one HTML table cost nothing measurable. An HTML table of 2,000 rows,
however, takes seconds to lay out, where the grid draws a screen at a time and sorts. So a table
of up to :data:`STATIC_ROWS` rows is static HTML, and a longer one (a fleet's SLOs, data health's
series) is the grid, sortable and scrolling; both from the same column descriptions, so a
column reads the same either way.

The HTML is pandas' ``Styler`` with every value HTML-escaped and newlines flattened (a blank
line inside would end Markdown's HTML block and let the rest be read as Markdown); it goes into
the page through ``st.markdown(unsafe_allow_html=True)`` as the static charts do (``st.html``
sanitizes styles away). Cell styles of a ``Styler`` passed in (colours) are kept.
"""

from __future__ import annotations

import hashlib
import re
from html import escape
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from reliability import units

STATIC_ROWS = 60  # longer tables are the grid (sortable, a screen at a time)
GRID_ROW_PX, GRID_MAX_ROWS = 36, 30  # the grid's height: up to 30 rows, then it scrolls
TIME = "%Y-%m-%d %H:%M"
CSS = ("<style>.rel-table{overflow-x:auto;max-width:100%;margin-bottom:1rem}"
       ".rel-table table{border-collapse:collapse;font-size:0.875rem;width:100%}"
       ".rel-table th,.rel-table td{padding:0.25rem 0.5rem;border-bottom:1px solid rgba(49,51,63,0.1);"
       "text-align:left;vertical-align:top}"
       ".rel-table td.nw{white-space:nowrap}"
       ".rel-table th{font-weight:600;white-space:nowrap}"
       ".rel-table td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}</style>")


@dataclass(frozen=True)
class Col:
    """How one column shows: ``label`` (default: the name, ``_`` as spaces); ``digits``, fixed
    decimals of a number (default: up to four, as the CLI prints, thousands separated);
    ``link``, the column holds app URLs shown as this text; ``help``, one line explaining it
    (under a static table, the header's tooltip in the grid); ``time``, instants' format."""

    label: str | None = None
    digits: int | None = None
    link: str | None = None
    help: str | None = None
    time: str = TIME


def _flat(text: str) -> str:
    return re.sub(r"\s*\n\s*", " ", text)


def _number(value, digits: int | None) -> str:
    if digits is None:
        return units.number(value)
    if isinstance(value, bool) or value is None or pd.isna(value):
        return units.number(value)
    text = f"{float(value):,.{digits}f}"
    return text[1:] if text.startswith("-") and float(text[1:].replace(",", "")) == 0 else text


def cell(value, col: Col) -> str:
    """One value as the static table shows it (before HTML escaping)."""
    if isinstance(value, (list, tuple)):
        return ", ".join(cell(v, col) for v in value) if value else "-"
    if value is None or (not isinstance(value, (str, bytes)) and pd.api.types.is_scalar(value) and pd.isna(value)):
        return "-"
    if isinstance(value, (datetime, pd.Timestamp)):
        # An instant in a zone other than UTC names it (EST, EDT): 01:30 happens twice in a DST fold.
        zone = value.tzname() if value.tzinfo is not None else None
        return value.strftime(col.time) + (f" {zone}" if zone and zone != "UTC" else "")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return _flat(value)
    if pd.api.types.is_number(value):
        return _number(value, col.digits)
    return _flat(str(value))


def _label(name, cols: dict[str, Col]) -> str:
    col = cols.get(name)
    return col.label if col and col.label else str(name).replace("_", " ")


def _numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _class(series: pd.Series, col: Col) -> str:
    """``num`` (right-aligned) for numbers; ``nw`` (kept on one line) for instants and short
    texts such as ids, so that a narrow column scrolls rather than breaks ``INC-0074``."""
    if col.link:
        return "nw"
    if _numeric(series):
        return "num"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "nw"
    texts = series.dropna()
    if texts.map(lambda v: isinstance(v, (datetime, pd.Timestamp))).all():
        return "nw"
    return "nw" if texts.astype(str).str.len().max() <= 24 else ""


def html(data: pd.DataFrame | Styler, cols: dict[str, Col] | None = None) -> str:
    """The static table's markup: one HTML block, every value escaped."""
    cols = cols or {}
    styler = data if isinstance(data, Styler) else data.style
    frame = styler.data
    styler.cell_ids = False  # ids only on styled cells (their CSS rules need them)
    # A stable id from the content: the same table twice gives the same markup (no redraw).
    styler.set_uuid("t" + hashlib.sha1(pd.util.hash_pandas_object(frame.astype(str), index=False)
                                       .to_numpy().tobytes() + str(list(frame.columns)).encode()).hexdigest()[:8])
    for name in frame.columns:
        col = cols.get(name, Col())
        if col.link:
            text = _flat(col.link)

            def link(url, text=text):
                if not isinstance(url, str) or not url:
                    return "-"
                return f'<a href="{escape(url, quote=True)}" target="_self">{escape(text)}</a>'

            styler = styler.format(link, subset=[name])
        else:  # escaped here, after formatting: lists and other objects are text too
            styler = styler.format(lambda v, col=col: escape(cell(v, col)), subset=[name])
    labels = [_label(n, cols) for n in frame.columns]
    classes = [_class(frame[n], cols.get(n, Col())) for n in frame.columns]
    styler = (styler.hide(axis="index").relabel_index([escape(x) for x in labels], axis=1)
              .set_td_classes(pd.DataFrame([classes] * len(frame), index=frame.index, columns=frame.columns)))
    body = styler.to_html(doctypes=False)
    return '<div class="rel-table">' + "".join(line.strip() for line in body.splitlines()) + "</div>"


def _grid_config(frame: pd.DataFrame, cols: dict[str, Col]) -> dict:
    config = {}
    for name in frame.columns:
        col = cols.get(name, Col())
        label = _label(name, cols)
        if col.link:
            config[name] = st.column_config.LinkColumn(label, display_text=col.link, help=col.help)
        elif pd.api.types.is_datetime64_any_dtype(frame[name]):
            config[name] = st.column_config.DatetimeColumn(label, format="YYYY-MM-DD HH:mm", help=col.help)
        elif _numeric(frame[name]):
            fmt = "localized" if col.digits is None else f"%.{col.digits}f"
            config[name] = st.column_config.NumberColumn(label, format=fmt, help=col.help)
        else:
            config[name] = st.column_config.TextColumn(label, help=col.help)
    return config


def show(data: pd.DataFrame | Styler, cols: dict[str, Col] | None = None, container=st,
         static_rows: int = STATIC_ROWS) -> None:
    """Draw ``data`` (a frame, or a ``Styler`` whose cell styles to keep) with ``cols``
    describing its columns: static HTML up to ``static_rows`` rows, the grid beyond."""
    cols = cols or {}
    frame = data.data if isinstance(data, Styler) else data
    if len(frame) > static_rows:
        height = GRID_ROW_PX * (min(len(frame), GRID_MAX_ROWS) + 1) + 2
        container.dataframe(data, hide_index=True, width="stretch", height=height,
                            column_config=_grid_config(frame, cols))
        return
    container.markdown(CSS + html(data, cols), unsafe_allow_html=True)
    notes = [f"{_label(n, cols)}: {c.help}" for n, c in cols.items() if c.help and n in frame.columns]
    if notes:
        container.caption(" · ".join(notes))
