"""The app's views in the Python API (reliability/api/app_views.py, app_incidents.py): the same
numbers as the commands' computations, and the SLA review served without reading slices."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

import reliability as rel
from app_fixtures import demo_db, demo_db_build  # noqa: F401 - fixtures
from reliability import store
from reliability.analysis import impact, instances, sla
from reliability.incidents import metrics


def test_the_sla_review_equals_the_sla_command_and_reads_no_slice(demo_db, monkeypatch):  # noqa: F811
    db = rel.open(demo_db)
    for month in ("2026-03", "2026-06"):  # 2026-06: ledger-availability split at its target change
        fresh = db.sla(month=month)
        with store.connect(demo_db, read_only=True) as con:
            expected = [r.as_json() for r in sla.compute(con, month)]

        def scan(*_a, **_k):
            raise AssertionError("read the slices")

        with monkeypatch.context() as patched:
            patched.setattr(sla, "objective_aggregates", scan)
            patched.setattr(instances, "keys", scan)
            review = db.sla_review(month)
        assert review["slo"].tolist() == [r["slo"] for r in expected] and len(review) == len(fresh)
        for field in ("attainment", "bad", "allowed_bad", "error_budget_remaining", "status", "data_coverage"):
            assert review[field].tolist() == [r[field] for r in expected], (month, field)
    assert review["segments_text"].notna().sum() == 1


def test_the_breach_investigation_incidents_equal_the_impact_command(demo_db):  # noqa: F811
    db = rel.open(demo_db)
    start, end = datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)
    part = db.investigation_range("api-gateway-availability", start, end, 60)
    with store.connect(demo_db, read_only=True) as con:
        expected = []
        for inc in metrics.detected_in(con, start, end, "api-gateway"):
            mine = next(s for s in impact.incident_impact(con, inc["id"])["slos"] if s["slo"] == "api-gateway-availability")
            expected.append({"id": inc["id"], "bad": mine["bad"], "budget_spent": mine["budget_spent"],
                             "share_of_month_bad": mine["share_of_month_bad"]})
    assert len(expected) == 5
    got = part["incidents"][["id", "bad", "budget_spent", "share_of_month_bad"]]
    pd.testing.assert_frame_equal(got, pd.DataFrame(expected))
    whole = db.investigation("api-gateway-availability", "2026-10", start, end)
    assert set(whole) == set(part) | set(db.investigation_month("api-gateway-availability", "2026-10"))
