"""Tables show what JSON holds: for every command with a table and ``--json``, each number the
table shows is a value of the JSON document, rounded as shown (never another magnitude: the old
formatter printed 374 for an impact of 3,739.7 minutes), and each timestamp is one of its
timestamps. The formatter itself is property-tested over arbitrary numbers with Hypothesis.
"""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import tables
from app_fixtures import demo_db, demo_db_build  # noqa: F401  (session fixtures)
from conftest import run_cli
from reliability.units import duration, number, percent

# Every command that prints a table and takes --json, over the bundled sample.
CASES = [
    ("sla", "--month", "2026-03"),
    ("sla", "--month", "2026-11"),  # no data: insufficient data, partial
    ("sla", "--quarter", "2026-Q1"),
    ("budget", "--month", "2026-03"),
    ("budget", "--month", "2026-03", "--slo", "search-availability", "--step", "6h"),
    ("burn", "--slo", "search-availability", "--from", "2026-03-17", "--to", "2026-03-18", "--window", "1h"),
    ("burn", "--all", "--from", "2026-03-17", "--to", "2026-03-18"),
    ("credits", "--month", "2026-03"),
    ("credits", "--by", "customer", "--from", "2025-10", "--to", "2026-10"),
    ("credits", "--liability", "--from", "2025-10", "--to", "2026-10"),
    ("contracts", "list"),
    ("contracts", "breaches", "--from", "2025-10", "--to", "2026-10"),
    ("contracts", "risk", "--month", "2026-10"),
    ("incidents", "--month", "2026-03"),
    ("mttx", "--by", "month"),
    ("mttx", "--by", "severity"),
    ("mttx", "--by", "service"),
    ("compliance", "--month", "2026-03", "--as-of", "2026-11-01T00:00:00Z"),
    ("action-items", "--as-of", "2026-11-01T00:00:00Z"),
    ("impact", "--incident", "INC-0074"),
    ("impact", "--month", "2026-05"),
    ("recurrence",),
    ("changes",),
    ("worst", "--month", "2026-03"),
    ("slo", "list"),
    # Labels and definitions in force (issue 17): roll-up tables, a split month, versions.
    ("sla", "--month", "2026-03", "--group-by", "journey", "--label", "tier=1"),
    ("sla", "--month", "2026-06", "--slo", "ledger-availability"),
    ("budget", "--month", "2026-03", "--group-by", "team"),
    ("incidents", "--month", "2026-03", "--group-by", "journey"),
    ("slo", "history", "ledger-availability"),
    ("coverage",),
]


def test_every_command_with_a_table_and_json_is_covered():
    from test_docs import ALL

    covered = {c[:2] if c[0] in ("slo", "contracts") else c[:1] for c in CASES}
    with_json = {p for p in ALL if "--json" in run_cli(*p, "--help").stdout}
    # Not tables: ingest summaries, latency (needs histograms, checked in test_latency), report update (text).
    others = {p for p in with_json if p[0] in ("ingest", "extract", "demo", "latency", "report")}
    assert with_json - others == covered, (with_json - others) ^ covered


@pytest.mark.parametrize("args", CASES, ids=[" ".join(c) for c in CASES])
def test_table_numbers_are_the_json_numbers(demo_db, args):
    shown = run_cli(*args, db=demo_db)
    assert shown.code == 0, shown.stderr
    doc = run_cli(*args, "--json", db=demo_db)
    assert doc.code == 0, doc.stderr
    numbers, stamps = tables.read(shown.stdout)
    assert numbers, shown.stdout  # the parser found the table
    values, strings = tables.leaves(doc.json())
    wrong = [(n.column, n.text) for n in numbers if not tables.matches(n, values)]
    assert not wrong, wrong
    assert set(stamps) <= strings, set(stamps) - strings


def test_mttx_by_month_shows_the_impact_it_computed(demo_db):
    """Finding 4: the table printed 374 for 3,739.7 minutes and 172 for 1,720.1."""
    doc = run_cli("mttx", "--by", "month", "--json", db=demo_db).json()
    shown = run_cli("mttx", "--by", "month", db=demo_db).stdout
    [(headers, rows)] = tables.tables(shown)
    column = headers.index("impact (min)")
    for row in rows[1:]:
        expected = doc["by_month"][row[0]]["customer_impact_minutes"]
        assert float(row[column].replace(",", "")) == round(expected), (row, expected)


# -- the formatter, for any number ---------------------------------------------------------------

finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15)


@given(finite, st.integers(min_value=0, max_value=6))
@example(3739.7, 0)
@example(1720.1, 0)
@example(100.0, 2)
@example(-0.0001, 2)
def test_number_keeps_the_magnitude(value, digits):
    text = number(value, digits)
    back = float(text.replace(",", ""))
    assert back == float(f"{value:.{digits}f}")  # rounded exactly as Python rounds, nothing stripped
    assert abs(back - value) <= 0.5 * 10 ** -digits * (1 + 1e-9) + abs(value) * 1e-15


@given(st.integers(min_value=-10**15, max_value=10**15))
def test_integers_are_shown_whole_with_separators(value):
    text = number(value)
    assert int(text.replace(",", "")) == value
    assert all(len(group) == 3 for group in text.lstrip("-").split(",")[1:])


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6), st.integers(0, 4))
def test_percent_is_the_ratio_times_100(ratio, digits):
    shown = tables.parse_cell(percent(ratio, digits))
    assert len(shown) == 1 and abs(shown[0].value - ratio) <= shown[0].tolerance * (1 + 1e-9) + 1e-12


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e7, max_value=1e7))
@example(863.2)
@example(59.96)
@example(2879.6)
def test_duration_reads_back_as_its_minutes(minutes):
    [shown] = tables.parse_cell(duration(minutes))
    assert abs(shown.value - minutes) <= shown.tolerance + 1e-9, (minutes, duration(minutes))


@pytest.mark.parametrize("minutes, text", [
    (None, "-"), (0, "0 min"), (12.46, "12.5 min"), (59.96, "1 h 00 min"), (863.2, "14 h 23 min"),
    (1278, "21 h 18 min"), (2879.4, "47 h 59 min"), (2880, "2 d 00 h"), (98543, "68 d 10 h"), (-75, "-1 h 15 min"),
])
def test_one_human_format_for_durations(minutes, text):
    assert duration(minutes) == text
