"""The app's tables (reliability/app/tables.py): static HTML with every value escaped and shown
as the CLI prints it, the grid for long tables; and in the pages, static tables where the grid
(a canvas costing 0.5-1 s a visit) used to be."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from app_fixtures import _TableText, demo_db, demo_db_build, shown_tables  # noqa: F401 - fixtures
from reliability.app import tables
from reliability.app.tables import Col

PAGES = Path(__file__).resolve().parent.parent / "reliability" / "app" / "pages"
HOSTILE = '<img src=x onerror="alert(1)">'


def read(markup: str) -> tuple[list[str], list[list[str]]]:
    parser = _TableText()
    parser.feed(markup)
    [(header, rows)] = parser.tables
    return header, [r for r in rows if r]


def test_text_from_the_data_is_inert_in_cells_headers_lists_and_links():
    frame = pd.DataFrame({HOSTILE: [HOSTILE], "tags": [["a", HOSTILE]],
                          "investigate": ['breach?slo=x"><script>alert(1)</script>']})
    markup = tables.html(frame, {"investigate": Col(link="investigate")})
    assert "<img" not in markup and "<script" not in markup
    assert markup.count("&lt;img") == 3  # header, cell, list item: text, not markup
    header, rows = read(markup)
    assert header == [HOSTILE, "tags", "investigate"]
    assert rows == [[HOSTILE, f"a, {HOSTILE}", 'breach?slo=x"><script>alert(1)</script>']]  # the link's URL
    assert 'href="breach?slo=x&quot;&gt;&lt;script&gt;' in markup


def test_a_blank_line_in_the_data_cannot_end_the_html_block():
    """Markdown ends an HTML block at a blank line and reads the rest as Markdown: a title with
    one inside would turn the rest of the table into text and links."""
    markup = tables.html(pd.DataFrame({"title": ["first\n\n[click](javascript:alert(1))\n\n# big"]}))
    assert "\n" not in markup
    assert read(markup)[1] == [["first [click](javascript:alert(1)) # big"]]


def test_numbers_as_the_cli_prints_them_and_unknown_as_a_dash():
    frame = pd.DataFrame({"attainment": [99.791666, float("nan")], "bad": [1234567, 0], "left": [-0.04, 12.0],
                          "breached": [True, False], "n": [None, 2.5]})
    header, rows = read(tables.html(frame, {"attainment": Col("attainment %", digits=4),
                                            "left": Col("budget left %", digits=1)}))
    assert header == ["attainment %", "bad", "budget left %", "breached", "n"]
    # fixed decimals where asked, else up to four; thousands separated; no "-0.0"; yes/no
    assert rows == [["99.7917", "1,234,567", "0.0", "yes", "-"], ["-", "0", "12.0", "no", "2.5"]]


def test_instants_name_their_zone_unless_utc():
    """01:30 on 2025-11-02 happens twice in New York: EDT, then EST."""
    york = ZoneInfo("America/New_York")
    first = datetime(2025, 11, 2, 5, 30, tzinfo=timezone.utc).astimezone(york)
    second = datetime(2025, 11, 2, 6, 30, tzinfo=timezone.utc).astimezone(york)
    frame = pd.DataFrame({"local": pd.to_datetime([first, second], utc=True).tz_convert(york),
                          "utc": pd.to_datetime([first, second], utc=True)})
    assert read(tables.html(frame))[1] == [["2025-11-02 01:30 EDT", "2025-11-02 05:30"],
                                           ["2025-11-02 01:30 EST", "2025-11-02 06:30"]]


def test_the_same_rows_give_the_same_markup():
    frame = pd.DataFrame({"slo": ["a", "b"], "bad": [1.5, 2.0]})
    assert tables.html(frame) == tables.html(frame.copy())  # no redraw on a rerun


def test_colours_by_value_and_by_row_in_both_renderings():
    frame = pd.DataFrame({"slo": ["a", "b"], "lag": [30.0, 1.0]})
    cols = {"lag": Col(style=lambda v: "background-color: red" if v > 24 else "")}
    markup = tables.html(frame, cols, row_style="color: grey")
    assert markup.count('style="background-color: red"') == 1 and markup.count('<tr style="color: grey">') == 2
    styler = tables._styled(frame, cols, "color: grey")  # the grid's: the same colours
    assert "background-color: red" in styler.to_html() and "color: grey" in styler.to_html()


@pytest.mark.parametrize(("rows", "grid"), [(tables.STATIC_ROWS, False), (tables.STATIC_ROWS + 1, True)])
def test_long_tables_are_the_grid(rows, grid, tmp_path):
    """Up to STATIC_ROWS rows static HTML; beyond, the sortable grid with the same labels."""
    script = tmp_path / "page.py"
    script.write_text(
        "import pandas as pd\nfrom reliability.app import tables\n"
        f"frame = pd.DataFrame({{'slo': [f's{{i}}' for i in range({rows})], 'left': [0.5] * {rows}}})\n"
        "tables.show(frame, {'left': tables.Col('budget left %', digits=1, help='share of the budget left')})\n")
    at = AppTest.from_file(str(script)).run()
    assert not at.exception
    assert len(at.dataframe) == int(grid)
    if grid:
        assert at.dataframe[0].value.shape == (rows, 2)
    else:
        [table] = shown_tables(at)
        assert table.shape == (rows, 2) and list(table.columns) == ["slo", "budget left %"]
        assert [c.value for c in at.caption] == ["budget left %: share of the budget left"]


@pytest.mark.parametrize("page", ["monthly_sla", "overview", "breach", "incidents", "data_health"])
def test_the_sample_pages_draw_no_grid(page, demo_db, monkeypatch):
    """Every table of the sample (at most 60 rows) is static: no page pays for the grid."""
    monkeypatch.setenv("RELIABILITY_DB", str(demo_db))
    at = AppTest.from_file(str(PAGES / f"{page}.py"), default_timeout=120)
    if page == "breach":
        at.query_params.update({"slo": "search-availability", "month": "2026-03"})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.dataframe
    assert shown_tables(at)
