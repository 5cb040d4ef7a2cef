"""Static SVG charts in the page: inline, so each mark's ``<title>`` shows as a tooltip on
hover, and no charting library is loaded in the browser (Plotly's chunk costs a fresh tab
seconds, benchmarks/README.md).

Inline through ``st.markdown(unsafe_allow_html=True)``: ``st.html`` sanitizes with DOMPurify's
HTML-only profile, which drops SVG, and ``st.image`` shows SVG as an image (no tooltips). The
markup comes from ``reliability.charts`` and its siblings only, which XML-escape every text from
the data (names from user files): nothing in it is markup but ours. A chart is one HTML block
(no blank line inside), so Markdown passes it through untouched.
"""

from __future__ import annotations

import streamlit as st

# Scaled down (never cut) in a narrow column or on a phone; never wider than drawn.
STYLE = 'class="reliability-chart" style="max-width:100%;height:auto;display:block"'


def markup(svg: str) -> str:
    """The chart as it goes into the page: styled to scale down, one block without blank lines."""
    assert svg.startswith("<svg "), svg[:40]
    return "<svg " + STYLE + " " + "\n".join(line for line in svg[len("<svg "):].splitlines() if line.strip())


def show(svg: str, container=st) -> None:
    """One chart, at its natural size or scaled down to the container's width."""
    container.markdown(markup(svg), unsafe_allow_html=True)
