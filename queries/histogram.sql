-- Latency histograms: writes of `ingest histogram` and reads of `latency`.

-- name: upsert
-- Replaces every stored slice (service, sli, ts) that ingest_histogram (an Arrow table
-- registered for one statement) has buckets for, then appends its rows.
delete from histogram_slices
where rowid in (
    with replaced as (
        select distinct service, sli, ts
        from ingest_histogram
    ),

    final as (
        select h.rowid as rid
        from histogram_slices as h
        semi join replaced as r
            on h.service = r.service and h.sli = r.sli and h.ts = r.ts
    )

    select rid from final
);
insert into histogram_slices (service, sli, ts, le, count)
select service, sli, ts, le, count
from ingest_histogram

-- name: slices
-- Returns (ts, les, counts) per slice of series ($service, $sli) starting in [$start, $end),
-- ordered by ts; les ascending (the +Inf bucket last) and counts in the same order.
with rows_in_period as (
    select ts, le, count
    from histogram_slices
    where service = $service
      and sli = $sli
      and ts >= $start
      and ts < $end
),

final as (
    select
        ts,
        list(le order by le) as les,
        list(count order by le) as counts
    from rows_in_period
    group by ts
)

select * from final order by ts
