"""Text from the data made inert where the app shows or hands it out.

- :func:`md` for any data value placed in a Markdown string (``st.write``, ``st.caption``,
  ``st.subheader``, metric and widget labels): Streamlit renders Markdown with links, bare
  URLs made links (GitHub's autolinks, which backslash escapes do not stop), images, colours
  (``:red[...]``), icons and LaTeX (``$...$``). A code span is the one Markdown construct
  whose content is never parsed, so the value is shown as one, fenced by more backticks than
  it contains; line breaks become spaces. What shows is the literal text, in code font.
  (Month keys and IANA zone names, validated where they enter, need none.)
- :func:`csv_bytes` for every CSV download: spreadsheet applications run a cell that starts
  with ``=``, ``+``, ``-`` or ``@`` as a formula (and a leading tab or carriage return can hide
  such a character), so such a text cell is prefixed with a single quote and every text
  cell is double-quoted, as the OWASP "CSV Injection" guidance recommends.
  Number cells are left alone (a negative number stays a number).
"""

from __future__ import annotations

import csv
import re

import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def md(value: object) -> str:
    """``value`` as a Markdown code span that renders as its literal text, on one line."""
    text = " ".join(str(value).splitlines()) or " "
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    if text.strip() and (text[0] == "`" or text[-1] == "`" or (text[0] == " " and text[-1] == " ")):
        text = f" {text} "  # CommonMark strips one space from each side of such content
    return f"{fence}{text}{fence}"


def cell(value: object) -> object:
    """A CSV cell that no spreadsheet evaluates: text starting with a formula character gets a
    leading ``'``; anything else (numbers, dates, empty) unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` as UTF-8 CSV (no index) with every text cell and column name passed through
    :func:`cell`: what every download button of the app hands out."""
    out = frame.copy()
    out.columns = [cell(str(c)) for c in out.columns]
    for name in out.columns:
        col = out[name]
        if not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)
                or pd.api.types.is_datetime64_any_dtype(col)):
            out[name] = col.map(cell, na_action="ignore")
    # Every text cell in double quotes (as OWASP also advises): with minimal quoting, pandas
    # leaves a cell holding a lone carriage return unquoted, which splits the row.
    return out.to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC).encode("utf-8")
