"""Counts read as English: "1 incident", "0 incidents", "2 incidents" in the CLI's messages and the
reports' text (one helper, :func:`reliability.units.count_of`, for every surface)."""

from __future__ import annotations

import json

import pytest

from conftest import run_cli
from reliability.reports.render import environment
from reliability.units import count_of
from test_sla import slo_yaml


@pytest.mark.parametrize("n, one, many, expected", [
    (0, "incident", None, "0 incidents"),
    (1, "incident", None, "1 incident"),
    (2, "incident", None, "2 incidents"),
    (1, "series", "series", "1 series"),
    (2, "fix", "fixes", "2 fixes"),
    (1.0, "minute", None, "1 minute"),
    (1.5, "minute", None, "1.5 minutes"),
    (1200, "row", None, "1,200 rows"),
])
def test_count_of(n, one, many, expected):
    assert count_of(n, one, many) == expected


def _incident(i: int) -> dict:
    return {"id": f"INC-{i}", "service": "svc", "severity": "SEV-3", "title": "t",
            "detected_at": f"2026-03-0{i}T00:00:00Z"}


@pytest.mark.parametrize("n", [1, 2])
def test_cli_messages_for_zero_one_and_two(tmp_path, n):
    """An empty file is refused (exit 2), so the zeros are the counts beside: 0 timeline entries."""
    db = tmp_path / "p.duckdb"
    (tmp_path / "s.yaml").write_text("---\n".join(slo_yaml(f"s{i}", "Occurrences", "UTC") for i in range(n)))
    r = run_cli("slo", "apply", tmp_path / "s.yaml", db=db)
    assert f"applied {n} {'document' if n == 1 else 'documents'} (" in r.stderr
    (tmp_path / "i.json").write_text(json.dumps([_incident(i + 1) for i in range(n)]))
    r = run_cli("ingest", "incidents", tmp_path / "i.json", db=db)
    assert r.code == 0, r.stderr
    assert f"{n} {'incident' if n == 1 else 'incidents'} (0 timeline entries, 0 action items" in r.stderr
    rows = "".join(f"2026-03-01T00:0{i}:00Z,svc,availability,1,1\n" for i in range(n))
    (tmp_path / "r.csv").write_text("timestamp,service,sli,good,total\n" + rows)
    r = run_cli("ingest", "series", tmp_path / "r.csv", db=db)
    assert f"r.csv: {n} {'row' if n == 1 else 'rows'} (1 series," in r.stderr, r.stderr


@pytest.mark.parametrize("n, text", [(0, "0 violations — 0 deployments during"),
                                     (1, "1 violation — 1 deployment during"),
                                     (2, "2 violations — 2 deployments during")])
def test_report_text_for_zero_one_and_two(n, text):
    """The monthly report's Audits sentence, rendered by its own template."""
    summary = {"violations": n, "release_freeze": n, "incident_budget": 1, "postmortem": 0,
               "fixes_during_freeze": n, "exemptions_applied": 1}
    audits = {"policy": {"name": "p", "source": "default", "summary": summary, "violations": [], "exemptions": []},
              "breaches": [], "contractual": {"summary": {}, "breaches": []},
              "sli": {"summary": {"blind_spots": 1, "incidents_no_slo_saw": 0, "silent_burns": n,
                                  "detected_by_other_means": 1}, "silent_burns": [], "alerts": []}}
    for kind in ("md", "html"):
        out = environment(kind).get_template(f"audits.{kind}.j2").render(doc={"audits": audits})
        out = " ".join(out.split())  # the HTML breaks its sentences over lines
        assert text in out
        assert "1 incident over the budget share" in out and "1 exemption applied" in out
        assert f"{n} {'fix' if n == 1 else 'fixes'} shipped" in out
        assert "1 blind spot " in out and f"{n} silent {'burn' if n == 1 else 'burns'}" in out
