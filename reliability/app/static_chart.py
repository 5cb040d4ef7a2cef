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
# At its drawn size, scrolling sideways inside its box when the screen is narrower (a grid of
# numbers scaled to a phone's width would print them 5 px high).
STYLE_SCROLL = 'class="reliability-chart" style="max-width:none;height:auto;display:block"'
FILL = "<div{box}></div><script>document.currentScript.previousElementSibling.innerHTML = {svg};</script>"
SCROLL_BOX = ' style="overflow-x:auto;max-width:100%"'


def markup(svg: str, scroll: bool = False) -> str:
    """The chart as it goes into the page: styled to scale down (or, ``scroll``, to keep its size)."""
    assert svg.startswith("<svg "), svg[:40]
    return "<svg " + (STYLE_SCROLL if scroll else STYLE) + " " + svg[len("<svg "):]


def body(svg: str, scroll: bool = False) -> str:
    """``st.html``'s body for the chart: an empty box and the script that fills it."""
    text = json.dumps(markup(svg, scroll))
    return FILL.format(box=SCROLL_BOX if scroll else "",
                       svg=text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def show(svg: str, container=st, scroll: bool = False) -> None:
    """One chart, at its natural size or scaled down to the container's width; ``scroll``: at
    its natural size, scrolling sideways inside its box on a narrower screen (the page itself
    never scrolls sideways)."""
    container.html(body(svg, scroll), unsafe_allow_javascript=True)
