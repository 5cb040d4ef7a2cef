"""Incident importers for saved vendor API responses: PagerDuty, Opsgenie, incident.io.

``ingest incidents --format pagerduty|opsgenie|incidentio FILE...`` reads each file as one
saved API response (see each module for the shapes and the field mapping), validates every
record, then replaces the incidents by id in one transaction. Ids are vendor-prefixed
(``pd:``, ``og:``, ``iio:``) so they never collide with each other or with generic ids, and a
re-import replaces the same rows. A vendor import replaces only the incident row: timeline
entries and action items ingested for it separately (``ingest updates``, ``ingest
action-items``) are kept.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import duckdb

from reliability.ingest.common import Record
from reliability.ingest.incidents import Incident, store_incidents, summary
from reliability.ingest.vendors import base
from reliability.ingest.vendors.severity import SeverityMap, load_map

FORMATS = ("generic", "pagerduty", "opsgenie", "incidentio")


def _parser(fmt: str) -> Callable[[str | Path, SeverityMap], base.Parsed]:
    if fmt == "pagerduty":
        from reliability.ingest.vendors.pagerduty import parse
    elif fmt == "opsgenie":
        from reliability.ingest.vendors.opsgenie import parse
    elif fmt == "incidentio":
        from reliability.ingest.vendors.incidentio import parse
    else:
        raise ValueError(f"not a vendor format: {fmt}")
    return parse


def parse_files(paths: list[str | Path], fmt: str, smap: SeverityMap) -> list[base.Parsed]:
    """Every file parsed and validated, ids unique across the call (nothing written)."""
    parse = _parser(fmt)
    seen: dict[str, tuple[Record, Incident]] = {}
    out = []
    for path in paths:
        parsed = parse(path, smap)
        kept = []
        for rec, incident in parsed.items:
            first = seen.get(incident.id)
            if first is None:
                seen[incident.id] = (rec, incident)
                kept.append((rec, incident))
                continue
            if _same(first[1], incident):
                continue  # offset pagination can repeat a record across pages: count it once
            where = first[0].where if first[0].file == rec.file else f"{first[0].file} {first[0].where}"
            raise rec.bad(f"incident '{incident.id}' appears twice with different content (also in {where})", "id")
        out.append(dataclasses.replace(parsed, items=tuple(kept)))
    return out


def _same(a: Incident, b: Incident) -> bool:
    return dataclasses.replace(a, source="") == dataclasses.replace(b, source="")


def ingest_vendor_incidents(
    con: duckdb.DuckDBPyConnection,
    paths: list[str | Path],
    fmt: str,
    severity_map: str | Path | None = None,
) -> list[dict]:
    """Validate every file, then replace/insert their incidents (children kept); per-file summaries."""
    smap = load_map(severity_map)
    parsed = parse_files(paths, fmt, smap)
    store_incidents(con, [i for p in parsed for _, i in p.items], keep_children=True)
    return [
        {**summary(p.file, [i for _, i in p.items]), "format": p.kind, "skipped": p.skipped}
        for p in parsed
    ]
