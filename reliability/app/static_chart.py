"""Static SVG charts in the page: inline, so each mark's ``<title>`` shows as a tooltip on
hover and a linked mark (the overview's grid cells) can be clicked, and no charting library is
loaded in the browser (Plotly's chunk costs a fresh tab seconds, benchmarks/README.md).

How a chart gets into the page, measured in Chromium (benchmarks/README.md, "Static charts"):
``st.markdown(unsafe_allow_html=True)`` parses the SVG in JavaScript (react-markdown, then
rehype-raw) into one React element per mark: the incidents page's five charts cost ~0.3 s of a
new tab that way. ``st.image`` draws SVG as a picture (no tooltips, no links). ``st.html``
sanitizes with DOMPurify's HTML-only profile, which drops SVG. So the chart goes through
``st.html`` as a JSON string that a one-line script hands to the browser's own parser
(``innerHTML``), as cheap as a picture and still a live SVG.

The markup comes from ``reliability.charts`` and its siblings only, which XML-escape every text
from the data (names from user files): nothing in it is markup but ours. In the script it is a
JSON string with ``<``, ``>`` and ``&`` written as ``\\u`` escapes, so no text can close the
script, and DOMPurify (which drops a script whose text looks like markup) keeps it.
"""

from __future__ import annotations

import json

import streamlit as st

# Scaled down (never cut) in a narrow column or on a phone; never wider than drawn.
STYLE = 'class="reliability-chart" style="max-width:100%;height:auto;display:block"'
FILL = "<div></div><script>document.currentScript.previousElementSibling.innerHTML = {};</script>"



def markup(svg: str) -> str:
    """The chart as it goes into the page: styled to scale down."""
    assert svg.startswith("<svg "), svg[:40]
    return "<svg " + STYLE + " " + svg[len("<svg "):]


def body(svg: str) -> str:
    """``st.html``'s body for the chart: an empty box and the script that fills it."""
    text = json.dumps(markup(svg))
    return FILL.format(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def show(svg: str, container=st) -> None:
    """One chart, at its natural size or scaled down to the container's width."""
    container.html(body(svg), unsafe_allow_javascript=True)
