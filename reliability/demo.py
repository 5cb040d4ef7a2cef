"""Builds the bundled sample into a database: the ``demo`` command and the test fixtures use it."""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from reliability import sample, slos
from reliability.output import iso_z


def _series_table(services_slis: list[tuple[str, str]], incidents: list[dict]):
    import pyarrow as pa

    tables = []
    for service, sli in services_slis:
        arrays = sample.series(service, sli, sample.SAMPLE_START, sample.SAMPLE_END, incidents)
        n = len(arrays["ts"])
        tables.append(
            pa.table(
                {
                    "ts": pa.array(arrays["ts"].astype("datetime64[us]"), type=pa.timestamp("us", tz="UTC")),
                    "service": pa.array([service] * n, type=pa.string()) if n else pa.array([], pa.string()),
                    "sli": pa.array([sli] * n, type=pa.string()) if n else pa.array([], pa.string()),
                    "good": pa.array(arrays["good"], type=pa.float64()),
                    "total": pa.array(arrays["total"], type=pa.float64()),
                }
            )
        )
    return pa.concat_tables(tables)


def build(con: duckdb.DuckDBPyConnection, progress: Callable[[str], None] = lambda _m: None) -> dict:
    """Upsert the whole sample inside the caller's transaction; returns what was loaded."""
    from reliability.ingest.deployments import ingest_deployment_records
    from reliability.ingest.incidents import ingest_incident_records
    from reliability.ingest.series import ingest_series_table

    progress("applying SLO definitions")
    docs = slos.apply(con, [str(sample.slo_file())])
    defined = [s for s in slos.load(con)]
    pairs = sorted({(s.service, s.sli) for s in defined})
    incidents = sample.load_incidents()
    progress(f"generating {len(pairs)} series over 13 months")
    table = _series_table(pairs, incidents)
    progress(f"writing {table.num_rows:,} slices")
    ingest_series_table(con, table, "demo")
    progress(f"writing {len(incidents)} incidents")
    ingest_incident_records(con, incidents, "demo")
    deployments = sample.load_deployments()
    ingest_deployment_records(con, deployments, "demo")
    _audit_additions(con, progress)
    return {
        "slos": sum(1 for d in docs if d.kind == "SLO"),
        "slices": table.num_rows,
        "incidents": len(incidents),
        "deployments": len(deployments),
        "start": iso_z(sample.SAMPLE_START),
        "end": iso_z(sample.SAMPLE_END),
    }


def _audit_additions(con: duckdb.DuckDBPyConnection, progress: Callable[[str], None]) -> None:
    """Issue 18's additions: the error-budget policy (data/policy.yaml) that `audit policy`
    reads. (The undeclared outage lives in the series, the action-item priorities in
    incidents.json.)"""
    from reliability.audits import policies

    progress("applying the error-budget policy")
    policies.apply(con, str(sample.policy_file()))
