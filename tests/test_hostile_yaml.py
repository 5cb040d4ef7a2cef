"""OpenSLO files that would expand without bound are refused quickly in bounded memory, and
YAML anchors in ordinary files still work."""

from __future__ import annotations

import resource
import subprocess
import time

from conftest import SCRIPT, assert_bad_input, run_cli

# Nine levels, each a list naming the previous level nine times: 9**9 = 387,420,489 strings
# once expanded, from a file of about 600 bytes (the classic "billion laughs").
LEVELS = "\n".join(
    f"  l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 10)
)
BOMB = f"""apiVersion: openslo/v1
kind: Service
metadata:
  name: laughs
spec:
  description: ha
  l0: &l0 "lol"
{LEVELS}
"""
RECURSIVE = """apiVersion: openslo/v1
kind: Service
metadata:
  name: loop
spec: &spec
  description: loop
  again: *spec
"""
ANCHORS = """apiVersion: openslo/v1
kind: Service
metadata:
  name: &name checkout
  labels: &labels {team: [payments], tier: [one]}
  annotations: {owner-labels: "see labels"}
spec:
  description: *name
---
apiVersion: openslo/v1
kind: Service
metadata:
  name: checkout-eu
spec:
  description: anchors are per document
"""
MEMORY_CAP = 3 * 1024**3  # bytes of address space: the bomb once took all of 6 GB


def run_capped(*args):
    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))

    started = time.monotonic()
    proc = subprocess.run([SCRIPT, *map(str, args)], capture_output=True, text=True, preexec_fn=cap, timeout=300)
    return proc, time.monotonic() - started


def test_billion_laughs_is_refused_quickly(tmp_path, db):
    path = tmp_path / "laughs.yaml"
    path.write_text(BOMB)
    assert len(BOMB) < 800
    proc, seconds = run_capped("--db", db, "slo", "apply", path)
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    assert f"{path}: document 1: the document expands to more than 200,000 values" in proc.stderr
    assert "Traceback" not in proc.stderr and "MemoryError" not in proc.stderr
    assert seconds < 20, seconds  # a fresh process under a loaded machine; seconds, not minutes
    if db.exists():  # nothing from the refused call was written
        assert run_cli("slo", "list", "--json", db=db).json()["slos"] == []


def test_recursive_alias_is_refused(tmp_path, db):
    path = tmp_path / "loop.yaml"
    path.write_text(RECURSIVE)
    assert_bad_input(run_cli("slo", "apply", path, db=db), "loop.yaml", "document 1", "recursive")


def test_anchors_and_aliases_in_an_ordinary_file_still_apply(tmp_path, db):
    path = tmp_path / "services.yaml"
    path.write_text(ANCHORS)
    r = run_cli("slo", "apply", path, db=db)
    assert r.code == 0, r.stderr
    assert "applied 2 documents" in r.stderr
