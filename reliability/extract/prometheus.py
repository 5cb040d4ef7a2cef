"""``extract prometheus``: fill ``sli_slices`` from the good/bad/total queries of OpenSLO SLOs.

Times are epoch seconds (ints) aligned to the step; ranges are ``[start, end)``. Each series'
range is cut into chunks of at most ``MAX_POINTS - 1`` slices (a chunk of ``n`` slices is
``n + 1`` query points, and Prometheus refuses more than 11,000 points per series). Chunks are
fetched by a bounded thread pool but committed strictly in order, each in one transaction with
its watermark, so a run killed at any point resumes with no gap and no duplicate.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import gc
import itertools
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np
import pyarrow as pa

from reliability import store, writes
from reliability.errors import BadInput
from reliability.extract import extract_instances, slices
from reliability.extract.chunk import Result as _Result
from reliability.extract.connection import Connection, Overrides, resolve
from reliability.extract.http import FetchError, Redactor
from reliability.extract.prom_api import PromClient, QueryError
from reliability.openslo import SLO

SOURCE = "prometheus"
MAX_POINTS = 11_000
TYPES = {"prometheus", "thanos", "mimir", "cortex"}
HOLD_SECONDS = 10.0  # the longest a run keeps the database file locked between commits
COMMIT_SECONDS = 1.0  # group commit: a crash loses at most this much fetched work
OVERFLOW_WARNING = ("events beyond the float range (the series summed to +Inf or -Inf): those slices are not "
                    "stored and count as no data (see gaps)")


@dataclass(frozen=True)
class Target:
    """One SLO to extract: its series key, queries and connection. A ratio SLI has ``total``
    and ``good`` or ``bad``; a threshold SLI has ``value`` (the query's value at the end of
    each slice is the slice's value)."""

    slo: str
    service: str
    sli: str
    counter: bool
    total: str | None
    good: str | None
    bad: str | None
    step: int  # seconds per slice
    connection: Connection
    value: str | None = None
    # Per-instance SLOs (docs/sla.md): the grouping labels; each series the queries return
    # (sum by (customer) (...)) is one instance, stored under sli{customer="..."}.
    group_by: tuple[str, ...] = ()

    @property
    def threshold(self) -> bool:
        return self.value is not None

    def queries(self) -> list[tuple[str, str]]:
        """``(role, query)`` pairs, total first."""
        if self.value is not None:
            return [("value", self.value)]
        out = [("total", self.total)]
        out.append(("good", self.good) if self.good is not None else ("bad", self.bad))
        return out


@dataclass
class Summary:
    """What one run did for one SLO. ``slices`` are the slices in ``[start, end)``;
    ``written`` those with data; ``no_data`` the rest, listed as ``gaps`` (``[start, end)``)."""

    target: Target
    start: int
    end: int
    slices: int = 0
    written: int = 0
    clamped: int = 0
    chunks: int = 0
    gaps: list[list[int]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    watermark: int | None = None

    @property
    def no_data(self) -> int:
        return self.slices - self.written


def _sources(slo: SLO) -> dict:
    """``{role: MetricSource}`` of the SLO's indicator."""
    ratio, threshold = slo.indicator.ratio, slo.indicator.threshold
    if ratio is not None:
        return {role: getattr(ratio, role) for role in ("total", "good", "bad") if getattr(ratio, role) is not None}
    return {"value": threshold.source} if threshold is not None else {}


def is_prometheus(slo: SLO) -> bool:
    sources = _sources(slo).values()
    return bool(sources) and all((s.type or "").lower() in TYPES for s in sources)


def targets(slo_list: Sequence[SLO], datasource: Callable[[str], dict | None], overrides: Overrides,
            step: int | None) -> list[Target]:
    """The extraction targets of these SLOs; ``datasource(name)`` looks up a DataSource."""
    out = []
    for slo in slo_list:
        sources = _sources(slo)
        refs = {s.ref for s in sources.values() if s.ref}
        if len(refs) > 1:
            raise BadInput(f"SLO {slo.name!r}: good/bad/total use different DataSources {sorted(refs)}")
        ref = refs.pop() if refs else None
        doc = datasource(ref) if ref else None
        queries = {}
        for role, source in sources.items():
            if not source.query:
                where = "thresholdMetric" if role == "value" else f"ratioMetric.{role}"
                raise BadInput(f"SLO {slo.name!r}: the {'threshold' if role == 'value' else role} metricSource "
                               "has no spec.query", field=f"{where}.metricSource.spec.query")
            queries[role] = source.query
        ratio = slo.indicator.ratio
        if slo.group_by and ratio is None:
            raise BadInput(f"SLO {slo.name!r}: per-instance extraction needs a ratioMetric (good/bad and total "
                           "counted per instance); a threshold SLI gives one value per slice",
                           field="metadata.annotations.reliability/group-by")
        out.append(Target(
            slo=slo.name, service=slo.service, sli=slo.sli, counter=bool(ratio and ratio.counter),
            total=queries.get("total"), good=queries.get("good"), bad=queries.get("bad"), value=queries.get("value"),
            step=step or slo.time_slice_window_seconds or 60,
            connection=resolve(doc, overrides, slo=slo.name),
            group_by=slo.group_by,
        ))
    return out


def chunks(start: int, end: int, step: int, max_slices: int) -> list[tuple[int, int]]:
    """``(chunk start, slices)`` covering ``[start, end)``; each at most ``max_slices`` slices."""
    total = max(0, (end - start) // step)
    return [(start + i * step, min(max_slices, total - i)) for i in range(0, total, max_slices)]


def _fetch(client: PromClient, index: int, t: Target, start: int, n: int) -> _Result:
    if t.group_by:
        return extract_instances.fetch(client, index, t, start, n)
    summed, warnings = {}, []
    overflow = np.zeros(n, dtype=bool)  # slices whose events summed beyond the float range
    for role, query in t.queries():
        try:
            found, warn = client.query_range(query, start, start + n * t.step, t.step)
        except QueryError as exc:
            # The query passed the preflight check, so this is the server failing on part of
            # the range (e.g. too many samples), not bad input: chunks before it may already be
            # committed, which exit 2 ("nothing written") must not claim. Exit 1, resumable.
            raise FetchError(
                f"SLO {t.slo!r}: Prometheus failed the {role} query {exc.query!r} on "
                f"[{start}, {start + n * t.step}) after accepting it: {exc.message}"
            ) from None
        warnings += warn
        if t.threshold and len(found) > 1:  # passed the preflight check: the series changed since
            raise FetchError(f"SLO {t.slo!r}: the threshold query {query!r} returned {len(found)} series on "
                             f"[{start}, {start + n * t.step}); a threshold SLI needs one (aggregate it, "
                             "e.g. max(...))")
        try:
            points = slices.grid([s.values for s in found], start, t.step, n + 1, infinite=t.threshold)
        except (ValueError, TypeError, IndexError, KeyError, AttributeError):
            raise client.malformed(query, "points that are not [time, \"value\"] pairs") from None
        del found  # free this response's point lists before the next query is fetched and parsed
        events = slices.total_over_series(slices.events(points, t.counter))
        if not t.threshold:  # (a threshold SLI's +Inf is a value: histogram_quantile above the top bucket)
            inf = np.isinf(events)
            if inf.any():
                overflow |= inf
                events = np.where(inf, np.nan, events)
        summed[role] = events

    def ts_of(has: np.ndarray) -> pa.Array:  # the starts of the slices with data
        return pa.array((start + np.flatnonzero(has) * t.step).astype(np.int64) * 1_000_000,
                        type=pa.timestamp("us", tz="UTC"))

    if t.threshold:  # the value at the end of each slice
        value = summed["value"]
        has = ~np.isnan(value)
        table = pa.table({"ts": ts_of(has), "value": pa.array(value[has])})
        return _Result(index, start, n, has, 0, tuple(warnings), table)
    good, total, has, clamped = slices.ratio(summed.get("good"), summed.get("bad"), summed["total"])
    if overflow.any():  # never store +Inf events: every reader of the month would fail on them
        has &= ~overflow
        warnings.append(OVERFLOW_WARNING)
    table = pa.table({"ts": ts_of(has), "good": pa.array(good[has]), "total": pa.array(total[has])})
    return _Result(index, start, n, has, clamped, tuple(warnings), table)


class _Writer:
    """Commits chunks; holds the database file at most ``HOLD_SECONDS`` so readers get turns."""

    def __init__(self, db) -> None:
        self.db, self.stack, self.opened = db, None, 0.0

    def commit(self, batch: Sequence[tuple[Target, _Result, int | None]]) -> None:
        """Write chunks ``(target, result, new watermark or None)`` in one transaction.

        Consecutive chunks of one series become one delete, one insert and one watermark
        update: each statement waits for the GIL, which fetch threads hold while parsing JSON.
        """
        if self.stack is None:
            self.stack = contextlib.ExitStack()
            self.con = self.stack.enter_context(store.connect(self.db))
            self.opened = time.monotonic()
        con = self.con
        with writes.transaction(con):
            for t, group in itertools.groupby(batch, key=lambda item: item[0]):
                group = list(group)
                key = {"service": t.service, "sli": t.sli}
                first, last = group[0][1], group[-1][1]
                # A grouped SLO's chunk replaces every instance's rows in its range; the range is
                # registered with the transaction (months left with no rows are recomputed too).
                writes.delete_slices(con, t.service, t.sli, _dt(first.start), _dt(last.start + last.n * t.step),
                                     instances=bool(t.group_by))
                con.register("extract_chunk", pa.concat_tables([r.table for _, r, _ in group]))
                try:
                    if t.group_by:
                        con.execute(_sql("insert_instances_chunk"), {"service": t.service})
                    else:
                        con.execute(_sql("insert_values_chunk" if t.threshold else "insert_chunk"), key)
                finally:
                    con.unregister("extract_chunk")
                marks = [m for _, _, m in group if m is not None]
                if marks:
                    con.execute(_sql("set_watermark"), {**key, "source": SOURCE, "until": _dt(max(marks))})
        if time.monotonic() - self.opened > HOLD_SECONDS:
            self.close()

    def close(self) -> None:
        if self.stack is not None:
            self.stack.close()
            self.stack = None


@functools.cache
def _sql(name: str) -> str:
    return store.query(f"extract.{name}")


def _dt(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, tz=timezone.utc)


def _floor(epoch: int, step: int) -> int:
    return epoch - epoch % step


def run(db, tgts: Sequence[Target], *, end: int, start: int | None = None, backfill: int = 7 * 86400,
        chunk_seconds: int | None = None, parallel: int = 4,
        client_factory: Callable[[Connection], PromClient] | None = None,
        on_progress: Callable[[int], None] | None = None, on_plan: Callable[[int], None] | None = None,
        ) -> list[Summary]:
    """Extract every target over ``[start, end)`` (epoch seconds, floored to each step).

    Without ``start`` each series continues from its watermark, or starts ``backfill``
    seconds before ``end`` when it has none. Queries are checked once before anything is
    written (a bad query writes nothing). ``on_plan(total slices)`` and
    ``on_progress(slices)`` feed a progress bar.
    """
    factory = client_factory or (lambda conn: PromClient(conn, pool=parallel))
    clients: dict[Connection, PromClient] = {}
    for t in tgts:
        if t.connection not in clients:
            clients[t.connection] = factory(t.connection)

    summaries, work = [], []
    with store.connect(db) as con:
        for i, t in enumerate(tgts):
            row = con.execute(store.query("extract.get_watermark"),
                              {"source": SOURCE, "service": t.service, "sli": t.sli}).fetchone()
            mark = int(row[0].timestamp()) if row else None
            t_end = _floor(end, t.step)
            if start is not None:
                t_start = _floor(start, t.step)
            else:
                t_start = _floor(mark if mark is not None else end - backfill, t.step)
            summary = Summary(t, t_start, max(t_start, t_end), watermark=mark)
            limit = MAX_POINTS - 1
            if chunk_seconds:
                limit = max(1, min(limit, chunk_seconds // t.step))
            for cs, n in chunks(t_start, t_end, t.step, limit):
                work.append((i, cs, n))
            summaries.append(summary)
    if on_plan:
        on_plan(sum(n for _, _, n in work))

    started = datetime.now(timezone.utc)
    try:
        with _without_cycle_collector():
            _extract(db, clients, tgts, summaries, work, parallel, on_progress)
    except Exception as exc:
        # Shown on the app's Data health page: never a token, password or header value.
        redact = redactor(tgts)
        _record_run(db, started, summaries, redact(f"{type(exc).__name__}: {exc}"))
        raise
    _record_run(db, started, summaries, None)
    return summaries


def redactor(tgts: Sequence[Target]) -> Redactor:
    """Removes every secret of these targets' connections from a message."""
    return Redactor([v for t in tgts for v in t.connection.secret_values()])


@contextlib.contextmanager
def _without_cycle_collector() -> Iterator[None]:
    """Python's cycle collector off while fetching, back to how it was after.

    Each range response is parsed into one small list per point (11,000 per series and
    chunk, several responses alive at once across the fetch threads). Those lists survive
    the young-generation collections while the parse runs, so the collector keeps running
    full collections over every object in the process: measured in bench_extract, JSON
    parsing took 5.2 s of CPU with it and 0.9 s without, the run 13.6 s instead of 9.3 s.
    Nothing here makes reference cycles; everything is freed by reference counting.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _record_run(db, started: datetime, summaries: Sequence[Summary], error: str | None) -> None:
    """One row in ``extract_runs`` (the app's data health page shows them). A failed run is
    recorded on a best-effort basis: its own error is what the caller must see."""
    params = {"source": SOURCE, "started_at": started, "outcome": "failed" if error else "ok",
              "slos": len(summaries), "slices": sum(s.slices for s in summaries),
              "written": sum(s.written for s in summaries), "error": error}
    try:
        with store.connect(db, wait=None if error is None else 2.0) as con:
            con.execute(store.query("app.insert_extract_run"), params)
    except Exception:
        if error is None:
            raise


def _extract(db, clients, tgts, summaries, work, parallel, on_progress) -> None:
    with ThreadPoolExecutor(max(parallel, 1), thread_name_prefix="extract") as pool:
        _preflight(pool, clients, tgts, summaries)
        writer = _Writer(db)
        pending: collections.deque[Future] = collections.deque()
        queue = iter(work)

        def refill() -> None:
            for i, cs, n in itertools.islice(queue, max(0, 4 * parallel - len(pending))):
                pending.append(pool.submit(_fetch, clients[tgts[i].connection], i, tgts[i], cs, n))

        try:
            refill()
            batch: list[_Result] = []
            last_commit = time.monotonic()
            while pending:
                # Group commit, in order so watermarks stay contiguous: what was fetched
                # since the last commit, once COMMIT_SECONDS have passed.
                if batch and time.monotonic() - last_commit >= COMMIT_SECONDS:
                    _apply(writer, batch, tgts, summaries, on_progress)
                    batch, last_commit = [], time.monotonic()
                batch.append(pending.popleft().result())
                refill()
            if batch:
                _apply(writer, batch, tgts, summaries, on_progress)
        except BaseException:
            for f in pending:
                f.cancel()
            raise
        finally:
            writer.close()


def _preflight(pool: ThreadPoolExecutor, clients, tgts: Sequence[Target], summaries: Sequence[Summary]) -> None:
    """One instant query per query at the end of its range: bad PromQL (exit 2) or an
    unreachable server (exit 1) is found before anything is written."""
    jobs = []
    for t, s in zip(tgts, summaries):
        if s.end <= s.start:
            continue
        for role, query in t.queries():
            jobs.append((t, s, role, query, pool.submit(clients[t.connection].check, query, s.end)))
    for t, s, role, query, job in jobs:
        try:
            series = job.result()
        except QueryError as exc:
            raise BadInput(f"SLO {t.slo!r}: Prometheus rejected the {role} query {query!r}: {exc.message}") from None
        except FetchError:
            for *_, other in jobs:
                other.cancel()
            raise
        if t.threshold and series > 1:
            raise BadInput(f"SLO {t.slo!r}: the threshold query {query!r} returns {series} series at {s.end}; "
                           "a threshold SLI needs one value per slice (aggregate it, e.g. max(...))")


def _apply(writer: _Writer, done: Sequence[_Result], tgts, summaries, on_progress) -> None:
    batch, marks = [], {}
    for r in done:
        t, s = tgts[r.target], summaries[r.target]
        mark = marks.get(r.target, s.watermark)
        # Only a chunk that continues the stored range moves the watermark: one that starts
        # after it (an explicit --start past the watermark) would leave a hole behind it.
        if mark is None or r.start <= mark:
            mark = max(r.start + r.n * t.step, mark or 0)
            marks[r.target] = mark
            batch.append((t, r, mark))
        else:
            batch.append((t, r, None))
    writer.commit(batch)
    for r in done:
        t, s = tgts[r.target], summaries[r.target]
        s.watermark = marks.get(r.target, s.watermark)
        s.chunks += 1
        s.slices += r.n
        s.written += int(r.has.sum())
        s.clamped += r.clamped
        s.warnings += [w for w in r.warnings if w not in s.warnings]
        for a, b in slices.runs(~r.has):
            gap = [r.start + a * t.step, r.start + b * t.step]
            if s.gaps and s.gaps[-1][1] == gap[0]:
                s.gaps[-1][1] = gap[1]
            else:
                s.gaps.append(gap)
        if on_progress:
            on_progress(r.n)
