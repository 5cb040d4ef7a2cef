"""``extract pagerduty|opsgenie|incidentio``: pull incidents from the vendors' APIs, every page.

The range ``[start, end)`` (incident creation time, UTC) is cut into windows of ``chunk``
seconds. Each window is pulled whole (all pages), parsed by the same importers as ``ingest
incidents --format ...`` and written in one transaction together with the source's watermark
(``extract_watermarks``: source = the vendor, service = ``(incidents)``, sli = the API, e.g.
``rest``), so an interrupted run keeps its whole windows and a re-run resumes at the
watermark. An invalid record (without ``skip_invalid``) is bad input when it is in the first
window (nothing written); in a later one the windows before it are already committed, so it is a
failure (SaasError) like a network error. Without ``start`` a run begins ``lookback`` before the watermark (incidents created
shortly before it may have been acknowledged or resolved since), or ``backfill`` before ``end``
when there is none. Incidents are keyed by id, so pulling a window again replaces, never
duplicates.

Endpoints (as published by each vendor):

- PagerDuty REST v2: ``GET /incidents?since&until&limit&offset`` (``more``), and for each incident
  not known to be acknowledged, ``GET /incidents/{id}/log_entries`` (``more``) so that the first
  ``acknowledge_log_entry`` gives its acknowledgement. Analytics: ``POST
  /analytics/raw/incidents`` with ``filters.created_at_start/end``, ``starting_after`` = the
  previous page's ``last`` while ``more``, ``time_zone: Etc/UTC``.
- Opsgenie: ``GET /v2/alerts`` or ``GET /v1/incidents`` with ``query=createdAt>=MS and
  createdAt<MS``, ``limit``, ``offset``, ``sort=createdAt``, ``order=asc``; then ``paging.next``
  (same host only) until there is none.
- incident.io: ``GET /v2/incidents?page_size&created_at[gte]&created_at[lt]`` then ``after`` =
  ``pagination_meta.after`` until a page comes back empty or without ``after``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from reliability import store, writes
from reliability.errors import BadInput
from reliability.extract.saas import Client, SaasError
from reliability.ingest.vendors import base, file_summary, parse_docs, store_parsed

SERVICE_KEY = "(incidents)"  # extract_watermarks.service for incident sources
APIS = {"pagerduty": ("rest", "analytics"), "opsgenie": ("alerts", "incidents"), "incidentio": ("v2",)}
MAX_PAGES = 10_000  # a server that never stops paging is a bug, not data


@dataclass
class Window:
    start: int
    end: int
    pages: int = 0
    summary: dict = field(default_factory=dict)


def iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _pages(label: str) -> Iterator[int]:
    for n in range(MAX_PAGES):
        yield n
    raise SaasError(f"{label}: more than {MAX_PAGES} pages; narrow --since/--until or --chunk")


def pull_pagerduty_rest(client: Client, start: int, end: int, page_size: int) -> tuple[dict, int]:
    incidents, pages = [], 0
    for n in _pages("PagerDuty /incidents"):
        doc = client.get("/incidents", {"since": iso(start), "until": iso(end), "limit": page_size,
                                        "offset": n * page_size, "time_zone": "UTC"})
        pages += 1
        incidents += _list(doc, "incidents", "PagerDuty /incidents")
        if doc.get("more") is not True:
            break
    logs: dict[str, list] = {}
    for inc in incidents:
        if isinstance(inc, dict) and isinstance(inc.get("id"), str) and not inc.get("acknowledgements"):
            entries: list = []
            for n in _pages(f"PagerDuty /incidents/{inc['id']}/log_entries"):
                doc = client.get(f"/incidents/{inc['id']}/log_entries", {"limit": 100, "offset": n * 100})
                pages += 1
                entries += _list(doc, "log_entries", "PagerDuty log entries")
                if doc.get("more") is not True:
                    break
            logs[inc["id"]] = entries
    return {"incidents": incidents, "log_entries": logs}, pages


def pull_pagerduty_analytics(client: Client, start: int, end: int, page_size: int) -> tuple[dict, int]:
    rows, pages, after = [], 0, None
    for _ in _pages("PagerDuty Analytics"):
        body = {"filters": {"created_at_start": iso(start), "created_at_end": iso(end)}, "limit": page_size,
                "order": "asc", "order_by": "created_at", "time_zone": "Etc/UTC"}
        if after:
            body["starting_after"] = after
        doc = client.post("/analytics/raw/incidents", body)
        pages += 1
        rows += _list(doc, "data", "PagerDuty Analytics")
        after = doc.get("last")
        if doc.get("more") is not True or not after:
            break
    return {"data": rows, "time_zone": "Etc/UTC"}, pages


def pull_opsgenie(client: Client, kind: str, start: int, end: int, page_size: int) -> tuple[dict, int]:
    path = "/v2/alerts" if kind == "alerts" else "/v1/incidents"
    params: dict | None = {"query": f"createdAt>={start * 1000} and createdAt<{end * 1000}", "limit": page_size,
                           "offset": 0, "sort": "createdAt", "order": "asc"}
    data, pages, url = [], 0, path
    for _ in _pages(f"Opsgenie {path}"):
        doc = client.get(url, params)
        pages += 1
        data += _list(doc, "data", f"Opsgenie {path}")
        paging = doc.get("paging") if isinstance(doc, dict) else None
        url = paging.get("next") if isinstance(paging, dict) else None
        params = None  # paging.next carries the query
        if not url:
            break
    return {"data": data}, pages


def pull_incidentio(client: Client, start: int, end: int, page_size: int) -> tuple[dict, int]:
    incidents, pages, after = [], 0, None
    for _ in _pages("incident.io /v2/incidents"):
        params = {"page_size": page_size, "created_at[gte]": iso(start), "created_at[lt]": iso(end)}
        if after:
            params["after"] = after
        doc = client.get("/v2/incidents", params)
        pages += 1
        page = _list(doc, "incidents", "incident.io /v2/incidents")
        incidents += page
        meta = doc.get("pagination_meta") if isinstance(doc, dict) else None
        after = meta.get("after") if isinstance(meta, dict) else None
        if not page or not after:
            break
    return {"incidents": incidents}, pages


def _list(doc: Any, key: str, label: str) -> list:
    if not isinstance(doc, dict) or not isinstance(doc.get(key), list):
        raise SaasError(f"{label}: expected a JSON object with a list '{key}' (is --url right?)")
    return doc[key]


def puller(vendor: str, api: str) -> Callable[[Client, int, int, int], tuple[dict, int]]:
    if vendor == "pagerduty":
        return pull_pagerduty_rest if api == "rest" else pull_pagerduty_analytics
    if vendor == "opsgenie":
        return lambda c, s, e, n: pull_opsgenie(c, api, s, e, n)
    return pull_incidentio


def plan(db, vendor: str, api: str, *, start: int | None, end: int, lookback: int, backfill: int) -> int:
    """The first second to pull: ``start``, else the watermark minus ``lookback``, else
    ``end - backfill``."""
    if start is not None:
        return start
    with store.connect(db) as con:
        row = con.execute(store.query("extract.get_watermark"),
                          {"source": vendor, "service": SERVICE_KEY, "sli": api}).fetchone()
    if row is None:
        return end - backfill
    return min(int(row[0].timestamp()) - lookback, end - 1)


def run(db, vendor: str, api: str, client: Client, opts: base.Options, *, start: int, end: int, chunk: int,
        page_size: int, on_window: Callable[[Window], None] | None = None) -> list[Window]:
    """Pull and write ``[start, end)`` window by window (see the module docstring)."""
    pull = puller(vendor, api)
    started = datetime.now(UTC)
    windows: list[Window] = []
    try:
        for lo in range(start, end, chunk):
            w = Window(lo, min(lo + chunk, end))
            doc, w.pages = pull(client, w.start, w.end, page_size)
            name = f"{vendor} {api} {iso(w.start)}..{iso(w.end)}"
            parsed = parse_docs([(name, doc)], vendor, opts)
            with store.connect(db) as con, writes.transaction(con):
                store_parsed(con, parsed)
                con.execute(store.query("extract.set_watermark"), {
                    "source": vendor, "service": SERVICE_KEY, "sli": api,
                    "until": datetime.fromtimestamp(w.end, UTC)})
            w.summary = file_summary(parsed[0])
            windows.append(w)
            if on_window:
                on_window(w)
    except BadInput as exc:
        if not windows:
            raise  # exit 2, nothing written (not even the run's record)
        # earlier windows are committed: no longer "nothing written", so a failure (exit 1)
        _record_run(db, vendor, started, windows, str(exc))
        raise SaasError(f"{exc}; pass --skip-invalid to write the valid records") from None
    except SaasError as exc:
        _record_run(db, vendor, started, windows, str(exc))
        raise
    _record_run(db, vendor, started, windows, None)
    return windows


def _record_run(db, vendor: str, started: datetime, windows: list[Window], error: str | None) -> None:
    """One row in ``extract_runs`` (the app's data health page): records pulled, incidents written."""
    params = {"source": vendor, "started_at": started, "outcome": "failed" if error else "ok", "slos": 0,
              "slices": sum(w.summary.get("incidents", 0) + w.summary.get("skipped", 0)
                            + w.summary.get("invalid", 0) for w in windows),
              "written": sum(w.summary.get("incidents", 0) for w in windows), "error": error}
    try:
        with store.connect(db, wait=None if error is None else 2.0) as con:
            con.execute(store.query("app.insert_extract_run"), params)
    except Exception:
        if error is None:
            raise
