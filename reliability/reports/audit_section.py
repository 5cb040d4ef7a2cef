"""The monthly review's "Audits" section: the month's error-budget policy violations, its
breached SLO-months and contractual breaches (customer contracts' months) with their process
steps, and what the SLI and alert audit found (the
numbers of ``audit policy``, ``audit breaches`` and ``audit sli`` for the month, UTC; their
definitions are docs/audits.md's). Rendered by ``audits.html.j2`` / ``audits.md.j2``, which
the monthly templates include."""

from __future__ import annotations

from datetime import datetime

import duckdb

from reliability.audits import breaches, policies, scope, sli
from reliability.audits import policy as policy_audit


def gather(con: duckdb.DuckDBPyConnection, month: str, as_of: datetime) -> dict:
    """The section's numbers for ``month`` (``YYYY-MM``), judged as of ``as_of``."""
    sc = scope.scope(month, None, None, "UTC")
    pol = policy_audit.audit(con, policies.in_force(con), sc, as_of)
    br = breaches.audit(con, sc, as_of)
    audited = sli.audit(con, sc)
    return {
        "policy": {"name": pol["policy"]["name"], "source": pol["policy"]["source"], "summary": pol["summary"],
                   "violations": pol["violations"],
                   "exemptions": [e for e in pol["release_freeze"]["exemptions"] if e["lifted_deployments"]]},
        "breaches": [{"slo": b["slo"], "month": b["month"], "complete": b["complete"],
                      "steps": {k: v["status"] for k, v in b["steps"].items()},
                      "missing": [{"step": k, "evidence": b["steps"][k]["evidence"]} for k in b["missing"]]}
                     for b in br["breaches"]],
        # The contractual breaches exactly as `audit breaches --json` lists them under
        # "contractual" (each contract's months, in its zone).
        "contractual": {"summary": br["contractual"]["summary"],
                        "breaches": [{"contract": b["contract"], "customer": b["customer"], "month": b["month"],
                                      "complete": b["complete"], "credit": b["steps"]["credits"]["evidence"],
                                      "steps": {k: v["status"] for k, v in b["steps"].items()},
                                      "missing": [{"step": k, "evidence": b["steps"][k]["evidence"]}
                                                  for k in b["missing"]]}
                                     for b in br["contractual"]["breaches"]]},
        "sli": {"summary": audited["summary"],
                "blind_spots": [{"slo": s["slo"], **b} for s in audited["slos"] for b in s["blind_spots"]],
                "silent_burns": [{"slo": s["slo"], **e} for s in audited["slos"] for e in s["silent_burns"]],
                "alerts": [{"slo": s["slo"], "incidents": s["incidents"], "pages": s["alerts"]["page"]["episodes"],
                            "precision": s["alerts"]["page"]["precision"], "recall": s["alerts"]["page"]["recall"],
                            "median_page_delay": s["page_delay_minutes"]["median"]}
                           for s in audited["slos"] if s["incidents"] or s["alerts"]["page"]["episodes"]]},
    }
