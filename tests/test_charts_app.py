"""The app pages' static SVG charts (reliability/charts_time.py, charts_dist.py, charts.hbars):
every text from the data escaped, values and summary numbers exact, categories in their colours,
the breach SLI's extremes on the chart, time ticks on wall-clock midnights across DST."""

from __future__ import annotations

import json
import re
import string
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from app_fixtures import demo_db, demo_db_build  # noqa: F401 - fixtures
from reliability import charts, charts_dist, charts_time
from reliability.app import static_chart

EVIL = '<script>alert("x")</script> & <b>'
UTC = timezone.utc


def parses(svg: str) -> ET.Element:
    """Well-formed XML (an unescaped name would break it) with no element but SVG's."""
    root = ET.fromstring(svg)
    tags = {el.tag.split("}")[-1] for el in root.iter()}
    assert tags <= {"svg", "title", "rect", "text", "line", "polyline", "circle", "path", "a"}, tags
    return root


def titles(svg: str) -> list[str]:
    return [el.text or "" for el in parses(svg).iter("{http://www.w3.org/2000/svg}title")]


def test_series_escapes_labels_and_keeps_threshold_bands_marks_and_lowest():
    start = datetime(2026, 3, 1, tzinfo=UTC)
    x = [start + timedelta(minutes=i) for i in range(10)]
    y = [99.99, 99.98, None, 49.773, 99.9, 100.0, float("nan"), 99.95, 99.97, 99.99]
    svg = charts_time.series(
        x, y, f"SLI {EVIL}", start=start, end=start + timedelta(minutes=10), threshold=99.9,
        threshold_label=f"target 99.9 % {EVIL}", y_label="good %", x_label="time in UTC", name=EVIL,
        fmt=lambda v: f"{v:.3f} %", bands=[charts_time.Band(x[3], x[4], EVIL, f"INC-1 {EVIL}")],
        marks=[charts_time.Mark(x[5], "#d73027", f"deployment {EVIL} (rolled back)")])
    assert "<script>" not in svg and "<b>" not in svg and "&lt;script&gt;" in svg
    found = titles(svg)
    assert f"INC-1 {EVIL}" in found and f"deployment {EVIL} (rolled back)" in found
    assert "lowest: 49.773 % at 2026-03-01 00:03" in found  # the lowest point, named exactly
    assert 'data-threshold="99.9"' in svg and "target 99.9 % &lt;script&gt;" in svg
    # Gaps break the line: None and NaN leave three runs (0-1, 3-5, 7-9).
    assert len(re.findall(r"<polyline ", svg)) == 3
    # Hover columns: each drawn value is in some column's tooltip.
    hover = [t for t in found if t.startswith("2026-03-01")]
    assert any("49.773 %" in t for t in hover) and any("100.000 %" in t for t in hover)


def test_time_ticks_fall_on_local_midnights_across_dst():
    zone = ZoneInfo("Europe/Berlin")
    start, end = datetime(2026, 3, 1, tzinfo=zone), datetime(2026, 4, 1, tzinfo=zone)
    ticks, fmt = charts_time.time_ticks(start, end, 8)
    assert fmt == "%m-%d" and ticks[0] == start
    assert all((t.hour, t.minute) == (0, 0) for t in ticks)  # 03-29 (23 hours) does not shift them
    assert [t.strftime(fmt) for t in ticks] == ["03-01", "03-08", "03-15", "03-22", "03-29"]
    day = charts_time.time_ticks(datetime(2026, 3, 17, tzinfo=UTC), datetime(2026, 3, 18, tzinfo=UTC), 8)
    assert [t.hour for t in day[0]] == [0, 3, 6, 9, 12, 15, 18, 21, 0]


def test_timeline_colours_each_verdict_and_escapes():
    start, end = datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)
    colours = {"violation": "#b2182b", "exempted": "#1b7837"}
    svg = charts_time.timeline(
        [EVIL, "b"], [charts_time.Span(EVIL, None, datetime(2026, 2, 10, tzinfo=UTC), f"freeze {EVIL}")],
        [charts_time.Event(EVIL, datetime(2026, 2, 5, tzinfo=UTC), "violation", f"DEP-1 {EVIL}"),
         charts_time.Event("b", datetime(2026, 3, 5, tzinfo=UTC), "exempted", "DEP-2")],
        "Freezes", start=start, end=end, colors=colours, labels={"violation": "violation", "exempted": "exempted"},
        span_label="freeze")
    assert "<script>" not in svg
    marks = re.findall(r'fill="(#[0-9a-f]{6})" data-category="(\w+)"><title>([^<]*)</title>', svg)
    assert [(f, c) for f, c, _t in marks] == [("#b2182b", "violation"), ("#1b7837", "exempted")]
    assert f"DEP-1 {EVIL}" in titles(svg)


def test_strip_states_median_and_p90_exactly():
    pts = [charts_dist.Point(v, f"INC-{v} {EVIL}") for v in (1.0, 2.0, 3.0, 4.0, 100.0)]
    svg = charts_dist.strip([EVIL, "empty"], {EVIL: pts + [charts_dist.Point(0.0)], "empty": []}, "t", log=True)
    found = titles(svg)
    # Median of 1, 2, 3, 4, 100 = 3; p90 by linear interpolation = 4 + 0.6 x 96 = 61.6.
    assert f"{EVIL} median: 3" in found and f"{EVIL} p90: 62" in found  # _num rounds >= 10 to units
    assert "INC-100.0 " + EVIL in found
    assert "n=5, 1 at 0" in svg  # 0 minutes cannot sit on a log axis: counted, not dropped silently
    assert charts_dist._quantile([1.0, 2.0, 3.0, 4.0, 100.0], 0.9) == pytest.approx(61.6)


def test_value_heatmap_shades_values_and_names_each_cell():
    svg = charts_dist.value_heatmap([EVIL, "quiet"], ["2026-02", "2026-03"], {(EVIL, "2026-02"): 17.0},
                                    "Slices without data", top=60.0,
                                    tooltips={(EVIL, "2026-02"): f"{EVIL} 2026-02: 17 slices, 99.962 % covered"})
    assert "<script>" not in svg
    cells = re.findall(r'fill="(#[0-9a-f]{6})" data-value="([\d.]+)"><title>([^<]*)</title>', svg)
    assert len(cells) == 4
    assert cells[0][1] == "17" and cells[0][0] not in ("#f7f7f7", "#ffffff")  # 17 of 44,640: a visible tint
    assert {c[0] for c in cells[1:]} == {"#f7f7f7"}  # zero or missing: blank
    assert charts_dist.scale(60, 60) == "#b2182b" and charts_dist.scale(600, 60) == "#b2182b"


def test_grouped_bars_go_below_zero_and_skip_missing():
    svg = charts_dist.grouped_bars(["2026-02", "2026-03"], {EVIL: [50.0, -108.3], "backtest": [None, 20.0]},
                                   {EVIL: "#2166ac", "backtest": "#b2182b"}, "Budget left", fmt=lambda v: f"{v:.1f}")
    assert "<script>" not in svg
    assert f"{EVIL} 2026-03: -108.3" in titles(svg)
    assert not any(t.startswith("backtest 2026-02") for t in titles(svg))  # no data: no bar


def test_hbars_threshold_and_risk_colours():
    svg = charts.hbars([f"acme {EVIL}", "globex"], [0.296, -0.038], ["#ef6c00", "#c62828"], "Room left",
                       texts=["29.6 % · at risk", "-3.8 % · credit owed"], threshold=0.5,
                       threshold_label="at risk below 50 %")
    assert "<script>" not in svg and 'data-threshold="0.5"' in svg
    bars = re.findall(r'<rect [^>]*fill="(#[0-9a-f]{6})"><title>([^<]*)</title>', svg)
    assert bars == [("#ef6c00", f"acme {EVIL}: 29.6 % · at risk".replace("&", "&amp;").replace("<", "&lt;")
                     .replace(">", "&gt;").replace('"', "&quot;")), ("#c62828", "globex: -3.8 % · credit owed")]


def test_the_page_body_is_the_chart_as_an_inert_string_that_scales_down():
    # A title from a user's file that tries to end the script, open a comment or start markup:
    # in the page it is a JSON string with every <, > and & escaped, so the script's text holds
    # no markup (DOMPurify would drop it) and nothing in it can close the script.
    title = "INC-9 </script><script>alert(1)</script> <!-- ]]> & \u2028 \"quoted\" \\ [x](javascript:alert(1))"
    svg = charts_dist.strip(["a"], {"a": [charts_dist.Point(1.0, title)]}, "t")
    body = static_chart.body(svg)
    script = body.removeprefix("<div></div><script>").removesuffix("</script>")
    assert "<" not in script and ">" not in script and "&" not in script
    assert not set(script) - set(string.printable)  # U+2028 escaped too: a line end in old JavaScript
    assert json.loads(script.removeprefix("document.currentScript.previousElementSibling.innerHTML = ")
                      .removesuffix(";")) == static_chart.markup(svg)
    out = static_chart.markup(svg)
    assert out.startswith('<svg class="reliability-chart" style="max-width:100%;height:auto;display:block" ')
    assert "<script>" not in out and title in titles(out)  # XML-escaped: the tooltip shows it as typed


def test_breach_chart_shows_the_worst_minute_of_the_month(demo_db):  # noqa: F811
    """search-availability, March 2026: 44,640 minutes down-sampled; the lowest minute (INC-0074)
    is drawn and labelled with the value the full series has."""
    import numpy as np

    from reliability import periods, store
    from reliability.analysis import timeline
    from reliability.app import data
    from reliability.app.pages import breach
    from reliability.slos import load

    period = periods.month("2026-03", "UTC")
    inv = data.investigation.__wrapped__(str(demo_db), "search-availability", "2026-03", period.start, period.end, 1)
    svg = breach.sli_svg(inv, period.start, period.end, ZoneInfo("UTC"), "time in UTC")
    with store.connect(demo_db, read_only=True) as con:
        tl = timeline.load(con, load(con, "search-availability")[0], period.start, period.end)
    with np.errstate(invalid="ignore", divide="ignore"):
        full = np.where(tl.events > 0, 1 - tl.failed / np.where(tl.events > 0, tl.events, 1), np.nan)
    worst = int(np.nanargmin(full))
    at = period.start + timedelta(minutes=worst)
    assert f"lowest: {full[worst] * 100:.3f} % at {at:%Y-%m-%d %H:%M}" in titles(svg)
    assert "INC-0074" in svg and "target 99.9 %" in svg
    assert len(svg) < 120_000  # ~1,200 points, not 44,640
