"""Incident importers for saved vendor API responses: PagerDuty, Opsgenie, incident.io.

``ingest incidents --format pagerduty|opsgenie|incidentio FILE...`` reads each file as one
saved API response (see each module for the shapes and the field mapping), validates every
record, then replaces the incidents by id in one transaction. Ids are vendor-prefixed
(``pd:``, ``og:``, ``iio:``) so they never collide with each other or with generic ids, and a
re-import replaces the same rows. A vendor import replaces only the incident row: timeline
entries and action items ingested for it separately (``ingest updates``, ``ingest
action-items``) are kept.

All or nothing by default: one bad record refuses the call. With ``skip_invalid`` the valid
records are written and each bad one is listed with its reason (``skipped_records``, kind
``invalid``), next to the records deliberately left out (kind ``excluded``: test, triage,
merged...). Each file's summary also carries ``warnings`` (e.g. a response that says more pages
exist), ``ack_unknown`` (incidents whose acknowledgement cannot be known) and ``no_service``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from reliability import store
from reliability.ingest.common import Record
from reliability.ingest.incidents import Incident, store_incidents, summary
from reliability.ingest.vendors import base, services
from reliability.ingest.vendors.severity import load_map

FORMATS = ("generic", "pagerduty", "opsgenie", "incidentio")


def _module(fmt: str):
    if fmt == "pagerduty":
        from reliability.ingest.vendors import pagerduty as module
    elif fmt == "opsgenie":
        from reliability.ingest.vendors import opsgenie as module
    elif fmt == "incidentio":
        from reliability.ingest.vendors import incidentio as module
    else:
        raise ValueError(f"not a vendor format: {fmt}")
    return module


def parse_files(paths: list[str | Path], fmt: str, opts: base.Options | None = None) -> list[base.Parsed]:
    """Every file parsed and validated, ids unique across the call (nothing written)."""
    parse = _module(fmt).parse
    opts = opts or base.Options()
    return unique([parse(path, opts) for path in paths], opts)


def parse_docs(docs: list[tuple[str, Any]], fmt: str, opts: base.Options) -> list[base.Parsed]:
    """As :func:`parse_files` for responses already read, as ``(name, document)``."""
    parse_doc = _module(fmt).parse_doc
    return unique([parse_doc(name, doc, opts) for name, doc in docs], opts)


def unique(parsed_files: list[base.Parsed], opts: base.Options) -> list[base.Parsed]:
    """Ids unique across the call: a repeat with the same content counts once, one with other
    content is bad input (or, with ``skip_invalid``, skipped and listed)."""
    seen: dict[str, tuple[Record, Incident]] = {}
    out = []
    for parsed in parsed_files:
        kept, skips = [], list(parsed.skips)
        for rec, incident in parsed.items:
            first = seen.get(incident.id)
            if first is None:
                seen[incident.id] = (rec, incident)
                kept.append((rec, incident))
                continue
            if _same(first[1], incident):
                continue  # offset pagination can repeat a record across pages: count it once
            where = first[0].where if first[0].file == rec.file else f"{first[0].file} {first[0].where}"
            bad = rec.bad(f"incident '{incident.id}' appears twice with different content (also in {where})", "id")
            if not opts.skip_invalid:
                raise bad
            skips.append(base.Skip(rec.record, incident.vendor_id, base.reason_of(bad), invalid=True))
        skips.sort(key=lambda s: (s.record is None, s.record or 0))
        written = {r.record for r, _ in kept}
        out.append(dataclasses.replace(parsed, items=tuple(kept), skips=tuple(skips),
                                       no_service=tuple(n for n in parsed.no_service if n["record"] in written)))
    return out


def _same(a: Incident, b: Incident) -> bool:
    return dataclasses.replace(a, source="") == dataclasses.replace(b, source="")


def ingest_vendor_incidents(
    con: duckdb.DuckDBPyConnection,
    paths: list[str | Path],
    fmt: str,
    severity_map: str | Path | None = None,
    *,
    skip_invalid: bool = False,
    tz: str | None = None,
    service_map: str | Path | None = None,
) -> list[dict]:
    """Validate every file, then replace/insert their incidents (children kept); per-file summaries."""
    opts = base.Options(load_map(severity_map), services.load(service_map), skip_invalid, tz)
    parsed = parse_files(paths, fmt, opts)
    store_parsed(con, parsed)
    return [file_summary(p) for p in parsed]


def store_parsed(con: duckdb.DuckDBPyConnection, parsed: list[base.Parsed]) -> None:
    """Replace/insert the incidents of parsed files (children kept) with their ack_unknown."""
    store_incidents(con, [i for p in parsed for _, i in p.items], keep_children=True)
    store_ack_unknown(con, [(i.id, i.id in p.ack_unknown) for p in parsed for _, i in p.items])


def file_summary(p: base.Parsed) -> dict:
    """What ``ingest incidents --json`` (and ``extract``) prints per file."""
    incidents = [i for _, i in p.items]
    return {
        **summary(p.file, incidents),
        "format": p.kind,
        "skipped": p.skipped,
        "invalid": sum(s.invalid for s in p.skips),
        "skipped_records": [s.as_json() for s in p.skips],
        "ack_unknown": sum(i.id in p.ack_unknown for i in incidents),
        "no_service": list(p.no_service),
        "warnings": list(p.warnings),
    }


def store_ack_unknown(con: duckdb.DuckDBPyConnection, flags: list[tuple[str, bool]]) -> None:
    """Mark which of the incidents just written have an unknown acknowledgement."""
    if not flags:
        return
    con.register("ingest_ack_unknown", pa.table({"id": pa.array([f[0] for f in flags], pa.string()),
                                                  "ack_unknown": pa.array([f[1] for f in flags], pa.bool_())}))
    try:
        con.execute(store.query("incidents.set_ack_unknown")).fetchall()
    finally:
        con.unregister("ingest_ack_unknown")
