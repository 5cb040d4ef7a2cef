"""The app's tables: static HTML for what a reader reads, Streamlit's grid for long lists.

Measured in Chromium (benchmarks/README.md, "Tables"): a 20-row ``st.dataframe`` (Streamlit's
canvas grid) adds 0.5-1.0 s to a visit and ``st.table`` 0.4 s (a Markdown renderer per cell),
while the same rows as one HTML table cost nothing measurable. An HTML table of 2,000 rows,
however, takes seconds to lay out, where the grid draws a screen at a time and sorts. So a table
of up to :data:`STATIC_ROWS` rows is static HTML, and a longer one (a fleet's SLOs, data health's
series) is the grid, sortable and scrolling; both from the same column descriptions, so a
column reads the same either way.

The HTML is written here, every value HTML-escaped and newlines flattened (a blank line inside
would end Markdown's HTML block and let the rest be read as Markdown); it goes into the page
through ``st.markdown(unsafe_allow_html=True)`` as the static charts do. Not pandas' ``Styler``:
its per-column formatting (a ``.loc`` per column) and ids made tables a third of the overview's
server time per visit (py-spy, benchmarks/README.md). Colours come from ``Col.style`` (a cell's
CSS from its value) and ``show(row_style=...)``; the grid gets the same through a ``Styler``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape
from dataclasses import dataclass
from datetime import date, datetime
from xml.sax.saxutils import quoteattr

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
    (under a static table, the header's tooltip in the grid); instants show as :data:`TIME`, as in the grid;
    ``style``, a cell's CSS from its value (our CSS, never data)."""

    label: str | None = None
    digits: int | None = None
    link: str | None = None
    help: str | None = None
    style: Callable[[object], str] | None = None  # a cell's CSS from its value ("" for none)


def _flat(text: str) -> str:
    return re.sub(r"\s*\n\s*", " ", text)


def _number(value, digits: int | None) -> str:
    return units.number(value) if digits is None or isinstance(value, bool) else units.fixed(value, digits)


def cell(value, col: Col) -> str:
    """One value as the static table shows it (before HTML escaping)."""
    if isinstance(value, (list, tuple)):
        return ", ".join(cell(v, col) for v in value) if value else "-"
    if value is None or (not isinstance(value, (str, bytes)) and pd.api.types.is_scalar(value) and pd.isna(value)):
        return "-"
    if isinstance(value, (datetime, pd.Timestamp)):
        # An instant in a zone other than UTC names it (EST, EDT): 01:30 happens twice in a DST fold.
        zone = value.tzname() if value.tzinfo is not None else None
        return value.strftime(TIME) + (f" {zone}" if zone and zone != "UTC" else "")
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


def _shown(value, col: Col) -> str:
    """One cell's markup: the escaped text, or an escaped link."""
    if col.link:
        if not isinstance(value, str) or not value:
            return "-"
        return f'<a href="{escape(value, quote=True)}" target="_self">{escape(_flat(col.link))}</a>'
    return escape(cell(value, col))  # escaped after formatting: lists and other objects are text too


def html(frame: pd.DataFrame, cols: dict[str, Col] | None = None, row_style: str = "") -> str:
    """The static table's markup: one HTML block, every value escaped."""
    cols = cols or {}
    names = list(frame.columns)
    specs = [cols.get(n, Col()) for n in names]
    head = "".join(f"<th>{escape(_label(n, cols))}</th>" for n in names)
    columns = []
    for n, col in zip(names, specs):
        values = frame[n].tolist()
        kind = _class(frame[n], col)
        opened = f'<td class="{kind}"' if kind else "<td"
        styles = [col.style(v) for v in values] if col.style else [""] * len(values)
        columns.append([f'{opened}{f" style={quoteattr(css)}" if css else ""}>{_shown(v, col)}</td>'
                        for v, css in zip(values, styles)])
    tr = f"<tr style={quoteattr(row_style)}>" if row_style else "<tr>"
    body = "".join(tr + "".join(row) + "</tr>" for row in zip(*columns))
    return f'<div class="rel-table"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


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


def _styled(frame: pd.DataFrame, cols: dict[str, Col], row_style: str) -> pd.DataFrame | Styler:
    """The grid's input: ``frame``, or a ``Styler`` carrying the same colours as the HTML."""
    styled = [n for n in frame.columns if n in cols and cols[n].style]
    if not styled and not row_style:
        return frame
    styler = frame.style
    if row_style:
        styler = styler.set_properties(**dict(p.split(":", 1) for p in row_style.split(";") if ":" in p))
    for name in styled:
        styler = styler.map(cols[name].style, subset=[name])
    return styler


def show(frame: pd.DataFrame, cols: dict[str, Col] | None = None, container=st,
         static_rows: int = STATIC_ROWS, row_style: str = "") -> None:
    """Draw ``frame`` with ``cols`` describing its columns (``row_style``: CSS for every row,
    e.g. grey for the SLOs without a verdict): static HTML up to ``static_rows`` rows, the grid
    beyond."""
    cols = cols or {}
    if len(frame) > static_rows:
        height = GRID_ROW_PX * (min(len(frame), GRID_MAX_ROWS) + 1) + 2
        container.dataframe(_styled(frame, cols, row_style), hide_index=True, width="stretch", height=height,
                            column_config=_grid_config(frame, cols))
        return
    container.markdown(CSS + html(frame, cols, row_style), unsafe_allow_html=True)
    notes = [f"{_label(n, cols)}: {c.help}" for n, c in cols.items() if c.help and n in frame.columns]
    if notes:
        container.caption(" · ".join(notes))
