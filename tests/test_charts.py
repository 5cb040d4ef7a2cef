"""Static SVG charts and down-sampling (reliability/charts.py): escaped text, categories, extremes kept."""

from __future__ import annotations

import math
from datetime import datetime, timezone

import numpy as np

from app_fixtures import demo_db, demo_db_build  # noqa: F401 - fixtures
from reliability import charts


def test_downsample_keeps_every_extreme_and_gap():
    rng = np.random.default_rng(7)
    values = 0.999 + rng.random(44_640) * 0.001  # a 31-day month of minutes
    values[12_345] = 0.2  # the worst minute
    values[30_000] = 1.5
    values[40_000:40_100] = np.nan  # a gap
    keep = charts.downsample(values, 600)
    assert len(keep) <= 2 * 600 + 600 and list(keep) == sorted(set(keep))
    assert 12_345 in keep and 30_000 in keep
    # Every bin's lowest and highest survive: the drawn line spans what the full series spans.
    edges = np.linspace(0, len(values), 601).astype(int)
    for lo, hi in zip(edges[:-1], edges[1:]):
        seg = values[lo:hi]
        inside = keep[(keep >= lo) & (keep < hi)]
        if np.isfinite(seg).any():
            assert np.nanmin(seg) in values[inside] and np.nanmax(seg) in values[inside]
        if np.isnan(seg).any():
            assert np.isnan(values[inside]).any()  # the gap stays a gap
    short = np.arange(100.0)
    assert list(charts.downsample(short, 600)) == list(range(100))


def test_line_chart_labels_stay_inside_the_chart():
    """November 2026's burn-down has 31 daily points, 11-01 to 12-01: every third is labelled,
    so the last, 12-01, sits on the right edge; centred there it was cut to "12-0"."""
    import re

    days = [datetime(2026, 11, 1, tzinfo=timezone.utc).replace(day=d) for d in range(1, 31)]
    days.append(datetime(2026, 12, 1, tzinfo=timezone.utc))
    svg = charts.lines(days, {"a": [100.0] * 31}, "t")
    width = float(re.search(r'<svg[^>]* width="([\d.]+)"', svg).group(1))
    labels = re.findall(r'<text x="([\d.]+)" y="[\d.]+" text-anchor="(\w+)" fill="[^"]+">(\d\d-\d\d)</text>', svg)
    assert labels[0][2] == "11-01" and labels[-1][2] == "12-01"
    for x, anchor, text in labels:
        half = charts._text_width(text) / 2
        lo, hi = {"middle": (float(x) - half, float(x) + half), "end": (float(x) - 2 * half, float(x))}[anchor]
        assert 0 <= lo and hi <= width, (text, x, anchor, width)


def test_svg_text_is_escaped_and_breaches_are_full_red():
    cell = charts.Cell("breached", "99.89", -0.056, "breach?slo=a&month=2026-02", "<script>x</script>")
    svg = charts.heatmap(["<b>svc</b>"], ["2026-02"], {("<b>svc</b>", "2026-02"): cell}, "t & <t>")
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "&lt;b&gt;svc&lt;/b&gt;" in svg
    assert 'fill="#c62828" data-category="breached"' in svg  # -5.6 % is as red as -108 %
    assert '<a href="breach?slo=a&amp;month=2026-02">' in svg
    assert charts.shade("breached", -0.056) == charts.shade("breached", -1.08) == charts.CATEGORY_COLORS["breached"]
    assert charts.shade("met", 0.9) != charts.shade("met", 0.3)  # shade within a category


def test_breach_page_sends_at_most_the_chart_width(demo_db):  # noqa: F811
    """A whole month of search-availability: ~1,200 points instead of 44,640, the worst minute kept."""
    import os

    os.environ["RELIABILITY_DB"] = str(demo_db)
    from reliability import store
    from reliability.analysis import timeline
    from reliability.app import data
    from reliability.slos import load

    start, end = datetime(2026, 3, 1, tzinfo=timezone.utc), datetime(2026, 4, 1, tzinfo=timezone.utc)
    inv = data.investigation.__wrapped__(str(demo_db), "search-availability", "2026-03", start, end, 1)
    series = inv["series"]
    assert len(series) <= data.CHART_PIXELS + data.CHART_PIXELS // 2
    with store.connect(demo_db, read_only=True) as con:
        tl = timeline.load(con, load(con, "search-availability")[0], start, end)
    with np.errstate(invalid="ignore", divide="ignore"):
        full = np.where(tl.events > 0, 1 - tl.failed / np.where(tl.events > 0, tl.events, 1), np.nan)
    assert len(full) == 44_640
    assert math.isclose(np.nanmin(series["sli"]), np.nanmin(full)) and math.isclose(np.nanmax(series["sli"]), np.nanmax(full))
