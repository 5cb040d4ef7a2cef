"""The overview's per-instance block in a real headless Chromium (docs/app.md): the enterprise
customers of the sample grouped by definition, filtered by address, never one row each."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from app_fixtures import demo_db, demo_db_build  # noqa: F401 - fixtures
from test_browser import CHROMIUM, CHROMIUM_ARGS, server, sync_playwright, wait_until_idle  # noqa: F401

pytestmark = pytest.mark.browser


@contextlib.contextmanager
def overview(url: str, path: str = "") -> Iterator:
    """The overview at ``url`` (or the page at ``path``) in a fresh headless Chromium page; on
    leaving, no exception box and no page error."""
    with sync_playwright()() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{url}/{path}", timeout=30_000)
            yield page
            assert page.locator('[data-testid="stException"]').count() == 0
            assert not errors, errors
        finally:
            browser.close()


def test_overview_groups_and_filters_instances(server):
    url, _ = server
    with overview(url) as page:
        page.get_by_text("Per-instance SLOs").first.wait_for(timeout=120_000)
        wait_until_idle(page)
        body = page.inner_text("body")
        assert "3 of 3 matching instances (3 in all), least budget left first." in body
        assert "User journeys: composite SLOs (" in body  # the checkout journey (test_composite: its numbers)
        page.locator(".rel-table").filter(has_text="checkout-journey").first.wait_for(
            state="attached", timeout=60_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        # Three instances, all shown: no filter or count to set (the 1,200-instance test below has them).
        assert page.get_by_placeholder('e.g. customer="acme" or a definition name').count() == 0
        assert page.get_by_label("Show the worst").count() == 0


# Many instances: 1,000 customers of one definition and 200 regions of another, November 2025
# (UTC, 30 days) in one-day slices (Timeslices, a day is good at >= 95 %, target 90 %: 3 bad
# days allowed). Customer i has data every day except i % 100 == 99 (from the 16th on: coverage
# 0.5, insufficient data); i % 100 == 37 has its first 4 + i // 100 days bad (90 of 100 good):
# c-0037 4 bad days ... c-0937 13, all breached, budget left 1 - bad / 3. Every region is good.
CUSTOMERS, REGIONS, DAYS = 1000, 200, 30
BREACHED = [f"c-{i:04d}" for i in range(937, 36, -100)]  # most bad days first: c-0937 .. c-0037


def _grouped_slo(name: str, label: str, service: str) -> str:
    return (f"apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: {name}\n  annotations:\n"
            f"    reliability/group-by: {label}\nspec:\n  service: {service}\n  indicator:\n    metadata:\n"
            "      name: availability\n    spec:\n      ratioMetric:\n        counter: false\n"
            f"        good: {{metricSource: {{type: Prometheus, spec: {{query: 'sum by ({label}) (ok)'}}}}}}\n"
            f"        total: {{metricSource: {{type: Prometheus, spec: {{query: 'sum by ({label}) (all)'}}}}}}\n"
            "  timeWindow:\n    - duration: 1M\n      isRolling: false\n"
            "      calendar: {startTime: 2024-01-01 00:00:00, timeZone: UTC}\n"
            "  budgetingMethod: Timeslices\n  objectives:\n"
            "    - target: 0.9\n      timeSliceTarget: 0.95\n      timeSliceWindow: 1d\n")


@pytest.fixture(scope="module")
def many_db(tmp_path_factory):
    """A database of 1,200 instances (above)."""
    import csv
    from datetime import datetime, timedelta, timezone

    from conftest import run_cli
    tmp = tmp_path_factory.mktemp("many-instances")
    db = tmp / "many.duckdb"
    (tmp / "slos.yaml").write_text(_grouped_slo("api-customer-availability", "customer", "api") + "---\n"
                                   + _grouped_slo("edge-region-availability", "region", "edge"))
    start = datetime(2025, 11, 1, tzinfo=timezone.utc)
    days = [(start + timedelta(days=d)).strftime("%Y-%m-%dT%H:%M:%SZ") for d in range(DAYS)]
    with (tmp / "api.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["timestamp", "service", "sli", "customer", "good", "total"])
        for i in range(CUSTOMERS):
            bad = 4 + i // 100 if i % 100 == 37 else 0
            for d in range(15 if i % 100 == 99 else 0, DAYS):
                w.writerow([days[d], "api", "availability", f"c-{i:04d}", 90 if d < bad else 100, 100])
    with (tmp / "edge.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["timestamp", "service", "sli", "region", "good", "total"])
        for i in range(REGIONS):
            w.writerows([day, "edge", "availability", f"r-{i:03d}", 10, 10] for day in days)
    for args in (("slo", "apply", tmp / "slos.yaml"), ("ingest", "series", tmp / "api.csv", tmp / "edge.csv")):
        r = run_cli(*args, db=db)
        assert r.code == 0, r.stderr
    return db


@pytest.fixture(scope="module")
def many(many_db):
    """`make demo`'s streamlit over the database of 1,200 instances."""
    from test_browser import serving

    with serving(many_db, many_db.parent) as url:
        yield url


def _grids(page, top_rows: int, columns: tuple[int, ...] = (6, 7)) -> list[list[list[str]]]:
    """Each table on the page (``columns`` cells a row: the summary, the top-N) as rows of
    cell texts, read from the static tables once the top-N table holds ``top_rows`` rows."""
    import time

    tables = page.locator(".rel-table table")
    deadline = time.monotonic() + 60
    while tables.nth(len(columns) - 1).locator("tbody td").count() != top_rows * columns[-1]:
        assert time.monotonic() < deadline, "the top-N table never showed the expected rows"
        time.sleep(0.1)
    out = []
    for n, width in enumerate(columns):
        texts = tables.nth(n).locator("tbody td").all_inner_texts()
        assert len(texts) % width == 0, texts
        out.append([texts[i:i + width] for i in range(0, len(texts), width)])
    return out


def _rerun(page, caption: str) -> None:
    page.get_by_text(caption).first.wait_for(timeout=60_000)
    wait_until_idle(page)


def test_overview_with_many_instances_groups_filters_and_shows_top_n(many):
    """1,200 instances: two summary lines (one per definition), the 10 with the least budget
    left, never one row (or one banner name) per instance; a filter and a top-N narrow it."""
    with overview(many) as page:
        _rerun(page, "10 of 1200 matching instances (1200 in all), least budget left first.")
        page.wait_for_selector(".rel-table", timeout=60_000)
        body = page.inner_text("body")
        # every series is stale (November 2025): the banner says so and names none, never 1,200
        assert "Stale data: 1200 of 1200 series" in body and "(every series; the newest slice started" in body
        # 10 rows of the worst-10 table (text now), never 1,200
        assert body.count("customer=") == 10
        assert body.count('api/availability{customer="c-0') == 0
        summary, top = _grids(page, 10)
        assert [r[:5] for r in summary] == [["api-customer-availability", "1,000", "980", "10", "10"],
                                            ["edge-region-availability", "200", "200", "0", "0"]]
        assert summary[0][5] == f"{17 / 30 * 100:.4f}"  # c-0937: 17 good days (lowest attainment %)
        assert summary[1][5] == "100.0000"
        assert len(top) == 10
        assert [r[0] for r in top] == [f'api-customer-availability{{customer="{c}"}}' for c in BREACHED]
        for row, bad in zip(top, range(13, 3, -1)):
            assert row[1] == "breached"
            assert row[2] == f"{(DAYS - bad) / DAYS * 100:.4f}"  # attainment %
            assert row[3] == f"{(1 - bad / 3) * 100:.1f}"  # budget left %
            assert (row[5], row[6]) == (str(bad), "3")
        box = page.get_by_placeholder('e.g. customer="acme" or a definition name')
        box.fill('customer="c-09')
        box.press("Enter")
        _rerun(page, "10 of 100 matching instances (1200 in all)")
        count = page.get_by_label("Show the worst")
        count.fill("3")
        count.press("Enter")
        _rerun(page, "3 of 100 matching instances (1200 in all)")
        _, top = _grids(page, 3)
        # c-0937 breached, then the all-good ones by address; c-0999 (no verdict) comes last
        assert [(r[0].partition("=")[2], r[1]) for r in top] == [
            ('"c-0937"}', "breached"), ('"c-0900"}', "met"), ('"c-0901"}', "met")]
        box.fill("c-0999")
        box.press("Enter")
        _rerun(page, "1 of 1 matching instances (1200 in all)")
        _, [only] = _grids(page, 1)
        assert only[1] == "insufficient_data" and float(only[4]) == 50  # coverage %: from the 16th


def test_monthly_review_page_with_many_instances_scrolls(many):
    """The Monthly SLA review lists every instance, in tables 30 rows tall that scroll (1,190
    with a verdict, the 10 without apart), not 43,000 pixels of page."""
    with overview(many, "sla?month=2025-11") as page:
        page.get_by_text("Insufficient data: no verdict").first.wait_for(timeout=120_000)
        wait_until_idle(page)
        grid = page.locator('[data-testid="stDataFrame"]')  # 1,190 rows: the grid, sortable, 30 rows tall
        grid.first.wait_for(timeout=60_000)
        assert grid.count() == 1 and grid.first.bounding_box()["height"] == 36 * 31 + 2
        grey = page.locator(".rel-table").filter(has_text="c-0999")  # the 10 without a verdict: a static table
        assert grey.locator("tbody tr").count() == 10
