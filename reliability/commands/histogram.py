"""``reliability ingest histogram`` and ``reliability latency``: latency percentiles from
histogram buckets, and a per-slice percentile as a threshold SLI series."""

from __future__ import annotations

import click

from reliability.commands.ingest import _json_option, _run, ingest
from reliability.output import emit_json, fmt, table
from reliability.units import count_of


@ingest.command("histogram")
@click.argument("files", nargs=-1, required=True)
@_json_option
@click.pass_context
def histogram(ctx: click.Context, files: tuple[str, ...], as_json: bool) -> None:
    """Load latency histograms (cumulative buckets per slice) from CSV or JSON files.

    Columns: timestamp,service,sli,le,count. Per slice (service, sli, timestamp) one row per
    bucket: count = observations <= le in that slice; le a number or +Inf. Each slice needs a
    +Inf bucket. As Prometheus' histogram_quantile does, a repeated le (0.2 and 2e-1) is summed
    and a count below a lower le's is raised to it; such slices are counted and warned about.
    A slice that is stored already is replaced whole.

    \b
    Example:
      reliability --db rel.duckdb ingest histogram latency-buckets.csv
    """
    from reliability.ingest.histogram import ingest_histograms

    def describe(s: dict) -> str:
        line = f"{s['file']}: {s['rows']} buckets ({s['slices']} slices, {s['series']} series, {s['start']} .. {s['end']})"
        for kind, what in (("duplicate_le", "repeated an le (counts summed)"),
                           ("nonmonotonic", "had counts decreasing as le grows (raised to the count below)")):
            n = s["fixed_slices"][kind]
            if n:
                line += (f"\nwarning: {s['file']}: {n} slice{'s' if n != 1 else ''} {what}, as Prometheus' "
                         f"histogram_quantile does; e.g. {', '.join(s['fixed_examples'][kind])}")
        return line

    _run(ctx, files, as_json, ingest_histograms, describe)


@click.command("latency")
@click.option("--slo", "slo_name", metavar="NAME", help="Service, month zone from this SLO (histogram sli: --sli, else the SLO's).")
@click.option("--service", metavar="S", help="Service of the histogram series (without --slo).")
@click.option("--sli", metavar="X", help="sli of the histogram series.")
@click.option("--month", required=True, metavar="YYYY-MM", help="Calendar month (the SLO's zone, else --tz).")
@click.option("--tz", default="UTC", show_default=True, help="Zone of the month without --slo.")
@click.option("--quantile", "quantiles", type=float, multiple=True, metavar="Q",
              help="Quantile in [0, 1], repeatable (default 0.5, 0.95, 0.99).")
@click.option("--scale", type=float, default=1.0, show_default=True, help="Multiply values (1000: seconds to ms).")
@click.option("--to-series", "to_series", metavar="SLI",
              help="Write the per-slice quantile (one --quantile) as threshold series (service, SLI).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
@click.pass_context
def latency(ctx: click.Context, slo_name, service, sli, month, tz, quantiles, scale, to_series, as_json) -> None:
    """Latency percentiles per slice and over the month from histogram buckets, with
    Prometheus' histogram_quantile interpolation (linear inside the bucket).

    The month's quantile sums the buckets of every slice first, then interpolates once.
    --to-series p95 writes each slice's quantile into the SLI series (service, p95) as a
    value, so a thresholdMetric SLO (op lt, value 500) evaluates it with `sla`.

    \b
    Example:
      reliability --db rel.duckdb latency --service api --sli latency --month 2025-11 --json
      reliability --db rel.duckdb latency --service api --sli latency --month 2025-11 \\
          --quantile 0.95 --scale 1000 --to-series p95
    """
    from reliability import periods, slos, store
    from reliability.api import rows as api
    from reliability.errors import BadInput

    qs = quantiles or (0.5, 0.95, 0.99)
    for q in qs:
        if not 0 <= q <= 1:
            raise BadInput(f"expected a quantile in [0, 1], got {q:g}", field="--quantile")
    if to_series and len(qs) != 1:
        raise BadInput("--to-series writes one quantile: give exactly one --quantile", field="--to-series")
    if (slo_name is None) == (service is None):
        raise BadInput("give --slo NAME or --service S (one of them)", field="--service")
    if scale <= 0:
        raise BadInput(f"expected a positive number, got {scale:g}", field="--scale")
    periods.parse_month(month)
    with store.connect(ctx.obj["db"], read_only=not to_series) as con:
        zone = tz
        if slo_name is not None:
            found = slos.load(con, slo_name)
            if not found:
                raise BadInput(f"no SLO named {slo_name!r} (see `reliability slo list`)", field="--slo")
            service, sli, zone = found[0].service, sli or found[0].sli, api.slo_zone(found[0])
        if not sli:
            raise BadInput("--sli is required with --service", field="--sli")
        period = periods.month(month, zone)
        result = {"month": month, "time_zone": zone} | api.latency(
            con, service, sli, period.start, period.end, qs, scale)
        if to_series:
            result["written"] = _write_series(con, result, service, to_series, api.quantile_label(qs[0]))
    if as_json:
        emit_json(result)
        return
    p = result["period"]
    click.echo(f"latency {service}/{sli}, {month} ({zone}): {count_of(p['slices'], 'slice')}, {fmt(p['count'], 0)} observations")
    click.echo(table(["quantile", "month", "worst slice"], [
        [api.quantile_label(q), fmt(p[api.quantile_label(q)]),
         fmt(max((s[api.quantile_label(q)] for s in result["slices"] if s[api.quantile_label(q)] is not None), default=None))]
        for q in qs
    ], right=(1, 2)))
    if to_series:
        click.echo(f"wrote {count_of(result['written']['rows'], 'slice')} to series {service}/{to_series}")


def _write_series(con, result: dict, service: str, sli: str, key: str) -> dict:
    import pyarrow as pa

    from reliability import writes
    from reliability.ingest.series import ingest_series_table

    rows = [s for s in result["slices"] if s[key] is not None]
    if not rows:
        return {"sli": sli, "rows": 0}
    table_ = pa.table({
        "timestamp": pa.array([s["ts"] for s in rows], pa.timestamp("us", tz="UTC")),
        "service": pa.array([service] * len(rows), pa.string()),
        "sli": pa.array([sli] * len(rows), pa.string()),
        "value": pa.array([s[key] for s in rows], pa.float64()),
    })
    with writes.transaction(con):
        summary = ingest_series_table(con, table_, f"latency {key}")
    return {"sli": sli, "rows": summary["rows"]}


COMMANDS = [latency]
