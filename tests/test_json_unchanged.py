"""The CLI's JSON is a pinned interface: for SLOs without history, and without --group-by or
--label, it prints exactly the bytes it printed before labels and versions existed.

tests/data/json_before_history/ holds what the code before them printed (see
tests/data/README.md). Labelled SLOs print no labels unless asked; `slo list` gains `labels`
(an extension) and nothing else.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_cli
from test_versions import V2, _series

BEFORE = Path(__file__).resolve().parent / "data" / "json_before_history"
COMMANDS = {
    "sla_month.json": ("sla", "--month", "2026-03"),
    "sla_range.json": ("sla", "--from", "2026-02", "--to", "2026-04"),
    "sla_quarter.json": ("sla", "--quarter", "2026-Q1"),
    "budget.json": ("budget", "--month", "2026-03"),
    "credits.json": ("credits", "--month", "2026-03"),
}


@pytest.fixture(scope="module")
def jdb(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("unchanged")
    db = tmp / "j.duckdb"
    _series(tmp / "series.csv")
    for args in (("slo", "apply", BEFORE / "slos.yaml"), ("ingest", "series", tmp / "series.csv")):
        r = run_cli(*args, db=db)
        assert r.code == 0, r.stderr
    return db


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_same_bytes_as_before(jdb, name):
    r = run_cli(*COMMANDS[name], "--json", db=jdb)
    assert r.code == 0, r.stderr
    assert r.stdout == (BEFORE / name).read_text()


def test_slo_list_only_gains_labels(jdb):
    now = run_cli("slo", "list", "--json", db=jdb).json()["slos"]
    before = json.loads((BEFORE / "slo_list.json").read_text())["slos"]
    assert [{k: v for k, v in s.items() if k != "labels"} for s in now] == before
    assert [s.get("labels") for s in now] == [{"team": ["a"], "tier": ["1"]}, {"tier": ["1"]}]  # from Service svc


def test_a_change_to_one_slo_leaves_the_others_unchanged(jdb, tmp_path):
    db = tmp_path / "changed.duckdb"
    db.write_bytes(jdb.read_bytes())
    (tmp_path / "v2.yaml").write_text(V2)
    assert run_cli("slo", "apply", tmp_path / "v2.yaml", "--effective-from", "2026-03-15", db=db).code == 0
    for name, args in COMMANDS.items():
        if name == "credits.json":
            continue
        now = run_cli(*args, "--json", db=db).json()
        before = json.loads((BEFORE / name).read_text())
        plain = [s for s in _slos(now) if s["slo"] == "plain-occ"]
        assert plain == [s for s in _slos(before) if s["slo"] == "plain-occ"]


def _slos(doc: dict) -> list[dict]:
    return [s for m in doc.get("months", [doc]) for s in m["slos"]]
