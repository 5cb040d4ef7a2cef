"""Fixtures shared by the demo, AppTest and browser tests: the demo database, built once.

Import the fixture into a test module (``from app_fixtures import demo_db``); pytest collects
fixtures imported into a module. The build runs the real ``reliability demo`` command (~15 s)
once per test run: under pytest-xdist (``make test``) the workers share one build, guarded by a
file lock in the run's common temporary directory.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from conftest import Result, built_once, run_cli


@dataclass(frozen=True)
class DemoDb:
    path: Path
    build: Result  # the one `reliability demo` run that built it


def _build(folder: Path) -> DemoDb:
    path = folder / "demo.duckdb"
    done = folder / "demo.build.json"  # written only after a successful build
    if not done.exists():
        result = run_cli("demo", db=path)
        assert result.code == 0, (result.stdout, result.stderr)
        done.write_text(json.dumps(result.__dict__))
    return DemoDb(path, Result(**json.loads(done.read_text())))


@pytest.fixture(scope="session")
def demo_db_build(tmp_path_factory: pytest.TempPathFactory) -> DemoDb:
    return built_once(tmp_path_factory, "demo-db", _build)


@pytest.fixture(scope="session")
def demo_db(demo_db_build: DemoDb) -> Path:
    """The path of a database holding the whole bundled sample. Tests must only read it."""
    return demo_db_build.path


class _TableText(HTMLParser):
    """The header labels and cell texts of the static tables in some markup."""

    def __init__(self):
        super().__init__()
        self.tables: list[tuple[list[str], list[list[str]]]] = []
        self._cell: list[str] | None = None
        self._href: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append(([], []))
        elif tag == "tr" and self.tables:
            self.tables[-1][1].append([])
        elif tag in ("th", "td"):
            self._cell = []
        elif tag == "a" and self._cell is not None:
            self._href = dict(attrs).get("href")

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._cell is not None:
            text = self._href or "".join(self._cell).strip()  # a link reads as where it goes
            self._href = None
            header, rows = self.tables[-1]
            (header if tag == "th" else rows[-1]).append(text)
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def shown_tables(at) -> list[pd.DataFrame]:
    """Every table an AppTest run drew, as its reader sees it: the static HTML tables
    (reliability.app.tables) as frames of the shown texts under the shown labels (a link cell as
    its URL), in page order,
    then the grids (``st.dataframe``, tables too long to be static) as their data."""
    found = []
    for element in at.markdown:
        if '<div class="rel-table">' not in element.value:
            continue
        parser = _TableText()
        parser.feed(element.value)
        for header, rows in parser.tables:
            found.append(pd.DataFrame([r for r in rows if r], columns=header, dtype=str))
    return found + [d.value for d in at.dataframe]


def number(text: str) -> float:
    """A number as a static table shows it (``1,234.5``, ``-`` for unknown: NaN)."""
    return float("nan") if text == "-" else float(text.replace(",", ""))


def shown_charts(at) -> list[str]:
    """Every static chart an AppTest run drew (reliability.app.static_chart), as the SVG markup
    the page's script puts in, in page order."""
    found = []
    for element in at.html:
        head, sep, rest = element.value.partition("innerHTML = ")
        if sep and re.fullmatch(r'<div( style="[^"]*")?></div><script>document\.currentScript\.previousElementSibling\.'
                                r'innerHTML = ', head + sep):
            svg = json.loads(rest.removesuffix(";</script>"))
            assert svg.startswith('<svg class="reliability-chart" ')
            found.append(svg)
    return found
