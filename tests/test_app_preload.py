"""The server imports what the pages need when it loads app.py (reliability/app/preload.py), so
the first reader after a restart does not wait for pandas, DuckDB and the analysis modules."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from app_fixtures import demo_db, demo_db_build  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import json, sys
import app  # what `streamlit run app.py` loads before it serves
from streamlit.testing.v1 import AppTest
before = set(sys.modules)
for page, query in (("overview", {}), ("monthly_sla", {}), ("breach", {"slo": "search-availability"}),
                    ("incidents", {}), ("data_health", {})):
    at = AppTest.from_file(f"reliability/app/pages/{page}.py", default_timeout=300)
    at.query_params.update(query)
    at.run()
    assert not at.exception, (page, [e.value for e in at.exception])
print(json.dumps(sorted(set(sys.modules) - before)))
"""
# Imported on a first visit although nothing of a page needs them before then: the test harness's.
HARNESS = ("streamlit.testing",)


def test_a_first_visit_imports_nothing_the_server_could_have(demo_db):
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=600,
                         env={**os.environ, "RELIABILITY_DB": str(demo_db)})
    assert out.returncode == 0, out.stderr[-3000:]
    late = [m for m in json.loads(out.stdout.strip().splitlines()[-1]) if not m.startswith(HARNESS)]
    heavy = [m for m in late if m.split(".")[0] in ("reliability", "pandas", "numpy", "pyarrow", "duckdb", "jinja2", "streamlit")]
    assert heavy == [], heavy


def test_loading_the_app_logs_no_warning(demo_db):
    """`make demo` started with 27 lines of "No runtime found, using MemoryCacheStorageManager"
    (one per cached loader imported before the runtime exists): a newcomer's first sight."""
    out = subprocess.run([sys.executable, "-c", "import app"], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "RELIABILITY_DB": str(demo_db)})
    assert out.returncode == 0, out.stderr[-3000:]
    assert "No runtime found" not in out.stderr + out.stdout
    assert "WARNING" not in out.stderr, out.stderr[-3000:]
