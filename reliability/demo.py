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
    from reliability import openslo, versions

    # The sample's history is rebuilt from its files: a re-run must not stack the change again.
    read = openslo.read_documents(str(sample.slo_file()))
    versions.forget(con, [d.name for d in read if d.kind == "SLO"])
    docs = slos.apply(con, [str(sample.slo_file())], read)
    for path, day in sample.slo_changes():
        slos.apply(con, [str(path)], effective_from=day)
    defined = [s for s in slos.load(con)]
    pairs = sorted({(s.service, s.sli) for s in defined})
    incidents = sample.load_incidents()
    progress(f"generating {len(pairs)} series over 13 months")
    table = _series_table(pairs, incidents)
    progress(f"writing {table.num_rows:,} slices")
    ingest_series_table(con, table, "demo")
    fleet = _fleet(con, incidents, progress)
    progress(f"writing {len(incidents)} incidents")
    ingest_incident_records(con, incidents, "demo")
    deployments = sample.load_deployments()
    ingest_deployment_records(con, deployments, "demo")
    contracts = build_contracts(con, progress)
    return {
        "slos": sum(1 for d in docs if d.kind == "SLO"),
        "slices": table.num_rows,
        "incidents": len(incidents),
        "deployments": len(deployments),
        "contracts": contracts,
        "start": iso_z(sample.SAMPLE_START),
        "end": iso_z(sample.SAMPLE_END),
        **fleet,
    }


def _fleet(con: duckdb.DuckDBPyConnection, incidents: list[dict], progress) -> dict:
    """Issue 17's additions (data/fleet.yaml): the per-customer SLO with its three customers'
    series, and the checkout journey composite. Apart from the 16 SLOs above, whose numbers
    stay exactly as documented."""
    import pyarrow as pa

    from reliability.ingest.series import ingest_series_table

    progress("applying the per-customer SLO and the checkout journey")
    docs = slos.apply(con, [str(sample.fleet_file())])
    tables = []
    for customer in sample.CUSTOMERS:
        arrays = sample.customer_series(customer, sample.SAMPLE_START, sample.SAMPLE_END, incidents)
        n = len(arrays["ts"])
        tables.append(pa.table({
            "ts": pa.array(arrays["ts"].astype("datetime64[us]"), type=pa.timestamp("us", tz="UTC")),
            "service": pa.array(["api-gateway"] * n, type=pa.string()),
            "sli": pa.array(["availability"] * n, type=pa.string()),
            "customer": pa.array([customer] * n, type=pa.string()),
            "good": pa.array(arrays["good"], type=pa.float64()),
            "total": pa.array(arrays["total"], type=pa.float64()),
        }))
    table = pa.concat_tables(tables)
    ingest_series_table(con, table, "demo customers")
    return {"customers": len(sample.CUSTOMERS), "customer_slices": table.num_rows,
            "composites": sum(1 for d in docs if d.kind == "SLO") - 1}


def build_contracts(con: duckdb.DuckDBPyConnection, progress: Callable[[str], None] = lambda _m: None) -> int:
    """The sample's customer contracts (``data/contracts.yaml``) and the post-mortems shared
    with those customers (``data/customer_updates.csv``, timeline entries of kind
    ``customer-postmortem``); returns how many contracts. Kept apart from the rest of the
    sample: nothing else reads these files, so no documented number of the sample changes."""
    from reliability.contracts import storage
    from reliability.ingest.timeline import ingest_updates

    progress("applying customer contracts")
    applied = storage.apply(con, storage.read_files([sample.data_dir() / "contracts.yaml"]))
    ingest_updates(con, [sample.data_dir() / "customer_updates.csv"])
    return len(applied)
