-- Per series and UTC month metadata for the data health page (reliability/analysis/series_months.py).

-- name: touched
-- The (service, sli, UTC month) holding rows with a row id above $since: what a write appended
-- (a replaced key is deleted and appended again).
select distinct service, sli, date_trunc('month', ts) as month_start
from sli_slices
where rowid > $since;

-- name: deleted
-- The stored (service, sli, month_start) rows that the listed deleted ranges (parallel lists:
-- service, sli, whether every instance 'sli{...}' of it instead, [start, end)) overlap: the
-- months a write removed rows of (a month without a row had no rows to remove).
with ranges as (
    select
        unnest($services) as service,
        unnest($slis) as sli,
        unnest($instances) as instances,
        unnest($starts) as start_at,
        unnest($ends) as end_at
),

final as (
    select distinct m.service, m.sli, m.month_start
    from series_months as m
    inner join ranges as r
        on m.service = r.service
        and m.month_start < r.end_at
        and m.month_start + interval 1 month > r.start_at
    where (not r.instances and m.sli = r.sli)
       or (r.instances and starts_with(m.sli, r.sli || '{'))
)

select * from final;

-- name: delete
-- Remove the listed (service, sli, month_start) rows (parallel lists).
delete from series_months
using (
    select unnest($services) as service, unnest($slis) as sli, unnest($months) as month_start
) as gone
where series_months.service = gone.service
  and series_months.sli = gone.sli
  and series_months.month_start = gone.month_start;

-- name: recompute
-- Insert the rows of the listed (service, sli, month_start) computed from the slices: what
-- migrations/186_series_months.sql fills, for those keys only, in one aggregation: every row
-- of sli_slices once as stored, and the rows of usable_slices once more as usable; a key
-- without rows gets none.
insert into series_months
with keys as (
    select unnest($services) as service, unnest($slis) as sli, unnest($months) as month_start
),

slices as (
    select service, sli, ts, total, value, true as usable
    from usable_slices
    union all
    select service, sli, ts, null as total, null as value, false as usable
    from sli_slices
),

final as (
    select
        s.service,
        s.sli,
        date_trunc('month', s.ts) as month_start,
        min(s.ts) filter (where s.usable) as first_slice,
        max(s.ts) filter (where s.usable) as last_slice,
        count(*) filter (where s.usable) as slices,
        count(*) filter (where s.usable and (s.total is null or s.total = 0) and s.value is null) as no_data_slices,
        count(*) filter (where not s.usable) - count(*) filter (where s.usable) as unusable_rows
    from slices as s
    semi join keys
        on s.service = keys.service
        and s.sli = keys.sli
        and s.ts >= keys.month_start
        and s.ts < keys.month_start + interval 1 month
    group by s.service, s.sli, month_start
)

select * from final;

-- name: series_health
-- As app.series_health (first and last slice, slices, no-data and missing slices per series at
-- $slice_seconds a slice), from the per-month rows.
with counted as (
    select
        service,
        sli,
        min(first_slice) as first_slice,
        max(last_slice) as last_slice,
        sum(slices)::bigint as slices,
        sum(no_data_slices)::bigint as no_data_slices
    from series_months
    group by service, sli
    having sum(slices) > 0
),

final as (
    select
        *,
        (epoch(last_slice) - epoch(first_slice)) // $slice_seconds + 1 - slices as missing_slices
    from counted
)

select * from final order by service, sli;

-- name: coverage_by_month
-- As app.coverage_by_month, from the per-month rows.
with final as (
    select
        service,
        sli,
        strftime(month_start, '%Y-%m') as month,
        slices,
        slices - no_data_slices as with_data,
        epoch(month_start + interval 1 month) - epoch(month_start) as month_seconds,
        (epoch(month_start + interval 1 month) - epoch(month_start)) / $slice_seconds as expected
    from series_months
    where slices > 0
)

select * from final order by service, sli, month;

-- name: newest_slices
-- As app.newest_slices: the start of the newest usable slice of every series.
with final as (
    select service, sli, max(last_slice) as last_slice
    from series_months
    group by service, sli
    having max(last_slice) is not null
)

select * from final order by service, sli;
