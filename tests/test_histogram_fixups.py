"""`ingest histogram` fixes buckets as Prometheus' histogram_quantile does — a repeated `le`
summed, counts that dip raised — warns and counts the fixed slices, and `latency` then agrees
with Prometheus' own test data (tests/data/prometheus/, verbatim excerpts of
promql/promqltest/testdata/histograms.test)."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from conftest import run_cli

DATA = Path(__file__).parent / "data" / "prometheus"
SLICE = "2025-11-03T10:00:00Z"
_SERIES = re.compile(r"^\s+(\w+)\{([^}]*)\}\s+(\S+)\s*$")
_EVAL = re.compile(r"^eval instant at 50m histogram_quantile\(([0-9.]+), (rate\()?(\w+)(\[10m\]\))?\)$")


def _load(text: str) -> dict[tuple[str, tuple], list[tuple[str, float, float]]]:
    """``load`` blocks: per (metric, labels without le) the buckets as (le text, value at 50m,
    increment per 5m step). Values are written ``a+bxN`` (a, a+b, ... a+N·b)."""
    out: dict = {}
    for line in text.splitlines():
        m = _SERIES.match(line)
        if not m:
            continue
        name, labels, values = m.groups()
        pairs = dict(re.findall(r'(\w+)="([^"]*)"', labels))
        le = pairs.pop("le")
        start, inc = re.fullmatch(r"(\d+)\+(\d+)x10", values).groups()
        out.setdefault((name.removesuffix("_bucket"), tuple(sorted(pairs.items()))), []).append(
            (le, float(start) + 10 * float(inc), float(inc)))
    return out


def _expected(text: str) -> list[tuple[float, bool, str, dict, float | None]]:
    """Classic-bucket ``histogram_quantile`` evaluations at 50m: (q, over rate()?, metric,
    labels, expected value; None for NaN). Native-histogram ones (no ``_bucket``) are skipped."""
    out, current = [], None
    for line in text.splitlines():
        m = _EVAL.match(line.strip())
        if line.startswith("eval"):
            current = m if m and m.group(3).endswith("_bucket") else None
            continue
        if current and line.strip().startswith("{"):
            labels, value = line.strip().rsplit(" ", 1)
            want = None if value == "NaN" else float(value)
            out.append((float(current.group(1)), bool(current.group(2)), current.group(3).removesuffix("_bucket"),
                        dict(re.findall(r'(\w+)="([^"]*)"', labels)), want))
    return out


def _service(labels) -> str:
    return "-".join(v for _, v in labels) or "default"


@pytest.fixture(scope="module")
def prom(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("prom")
    text = "\n".join(p.read_text() for p in sorted(DATA.glob("histograms.test.*")))
    series = _load(text)
    dbs = {}
    for mode in ("value", "rate"):  # the buckets at 50m, and their per-step increase (∝ rate)
        rows = ["timestamp,service,sli,le,count"]
        for (metric, labels), buckets in series.items():
            for le, at50, inc in buckets:
                rows.append(f"{SLICE},{_service(labels)},{metric},{le},{at50 if mode == 'value' else inc:g}")
        (tmp / f"{mode}.csv").write_text("\n".join(rows) + "\n")
        db = tmp / f"{mode}.duckdb"
        r = run_cli("ingest", "histogram", tmp / f"{mode}.csv", "--json", db=db)
        assert r.code == 0, r.stderr
        dbs[mode] = (db, r)
    return dbs, _expected(text)


def test_prometheus_test_data_agrees(prom):
    dbs, cases = prom
    assert len(cases) == 9  # 3 nonmonotonic quantiles, 3 mixed quantiles x 2 instances
    for q, over_rate, metric, labels, want in cases:
        db, _ = dbs["rate" if over_rate else "value"]
        service = _service(sorted(labels.items()))
        r = run_cli("latency", "--service", service, "--sli", metric, "--month", "2025-11",
                    "--quantile", str(q), "--json", db=db)
        assert r.code == 0, r.stderr
        (got,) = [s[f"p{round(q * 100, 10):g}"] for s in r.json()["slices"]]
        if want is None:
            assert got is None, (metric, labels, q)
        else:
            assert got == pytest.approx(want, rel=1e-9), (metric, labels, q)


def test_fixes_are_warned_and_counted(prom):
    dbs, _ = prom
    _, r = dbs["value"]
    (summary,) = r.json()["files"]
    # nonmonotonic_bucket: one slice with dips; mixed: 0.2 three times (ins1), +inf/+Inf (ins2).
    assert summary["fixed_slices"] == {"duplicate_le": 2, "nonmonotonic": 1, "precision": 0}
    assert summary["fixed_examples"]["nonmonotonic"] == [f"default/nonmonotonic at {SLICE}"]
    assert "warning: " in r.stderr and "1 slice had counts decreasing" in r.stderr
    assert "2 slices repeated an le" in r.stderr


def test_stored_buckets_are_the_fixed_ones(prom):
    import duckdb

    dbs, _ = prom
    with duckdb.connect(str(dbs["value"][0]), read_only=True) as con:
        rows = con.execute("select le, count from histogram_slices where sli = 'nonmonotonic' order by le").fetchall()
        mixed = con.execute("select le, count from histogram_slices where service = 'ins1-job1' order by le").fetchall()
    # 20, 10, 50, 40, 90, 80 as Prometheus' ensureMonotonic leaves them: 20, 20, 50, 50, 90, 90.
    assert rows == [(0.1, 20.0), (1.0, 20.0), (10.0, 50.0), (100.0, 50.0), (1000.0, 90.0), (math.inf, 90.0)]
    assert mixed == [(0.1, 10.0), (0.2, 30.0), (math.inf, 40.0)]


def test_float_noise_is_evened_out_silently(tmp_path):
    rows = ["timestamp,service,sli,le,count", f"{SLICE},a,lat,0.1,3", f"{SLICE},a,lat,0.5,3.0000000000000004",
            f"{SLICE},a,lat,1,2.9999999999999996", f"{SLICE},a,lat,+Inf,3"]
    (tmp_path / "n.csv").write_text("\n".join(rows) + "\n")
    r = run_cli("ingest", "histogram", tmp_path / "n.csv", "--json", db=tmp_path / "n.duckdb")
    assert r.code == 0, r.stderr
    assert r.json()["files"][0]["fixed_slices"] == {"duplicate_le": 0, "nonmonotonic": 0, "precision": 1}
    assert "warning" not in r.stderr
