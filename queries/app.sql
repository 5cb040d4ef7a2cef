-- name: slice_bounds
-- The first and the last slice start (UTC) within the instants readers use (1970-01-01 ..
-- 2200-12-31, as the usable_slices view): a filter on ts alone, answered from the zone maps;
-- any_slice_between then checks each month against usable_slices itself.
select min(ts) as first, max(ts) as last
from sli_slices
where ts >= '1970-01-01 00:00:00+00'::timestamptz
  and ts < '2201-01-01 00:00:00+00'::timestamptz;

-- name: any_slice_between
-- 1 when at least one usable slice starts in [$start, $end): row groups outside are skipped.
select 1 as found
from usable_slices
where ts >= $start
  and ts < $end
limit 1;

-- name: series_health
-- (The page reads series_months.series_health, kept by writes; this scan of every slice is
-- the independent computation tests/test_rollups.py compares it with.)
-- One row per stored series (service, sli): first and last slice start (UTC), slices stored,
-- no-data slices (total null or 0 for ratio rows, value null for threshold rows), and the
-- missing slices: slices of $slice_seconds between the first and the last that have no row.
with counted as (
    select
        service,
        sli,
        min(ts) as first_slice,
        max(ts) as last_slice,
        count(*) as slices,
        count(*) filter (where (total is null or total = 0) and value is null) as no_data_slices
    from usable_slices
    group by service, sli
),

final as (
    select
        *,
        (epoch(last_slice) - epoch(first_slice)) // $slice_seconds + 1 - slices as missing_slices
    from counted
)

select * from final order by service, sli;

-- name: coverage_by_month
-- (As series_health: the page reads series_months.coverage_by_month.)
-- Per series and calendar month (UTC, 'YYYY-MM'): slices stored, slices with data, and the
-- slices the month holds at $slice_seconds a slice (its real length: 28-31 days).
with counted as (
    select
        service,
        sli,
        date_trunc('month', ts) as month_start,
        count(*) as slices,
        count(*) filter (where not ((total is null or total = 0) and value is null)) as with_data
    from usable_slices
    group by service, sli, month_start
),

final as (
    select
        service,
        sli,
        strftime(month_start, '%Y-%m') as month,
        slices,
        with_data,
        epoch(month_start + interval 1 month) - epoch(month_start) as month_seconds,
        (epoch(month_start + interval 1 month) - epoch(month_start)) / $slice_seconds as expected
    from counted
)

select * from final order by service, sli, month;

-- name: watermarks
-- Every extraction watermark: the series extracted from a source up to (exclusive) `until`.
with final as (
    select source, service, sli, "until", updated_at
    from extract_watermarks
)

select * from final order by source, service, sli;

-- name: deployments_between
-- Deployments of $service (null = every service) in [$start, $end), oldest first.
with final as (
    select id, service, deployed_at, version, description, rolled_back
    from deployments
    where deployed_at >= $start
      and deployed_at < $end
      and ($service is null or service = $service)
)

select * from final order by deployed_at, id;

-- name: extract_runs
-- The last 20 extraction runs, newest first, with their duration in seconds.
with final as (
    select
        source,
        started_at,
        finished_at,
        epoch(finished_at) - epoch(started_at) as seconds,
        outcome,
        slos,
        slices,
        written,
        error
    from extract_runs
)

select * from final order by started_at desc limit 20;

-- name: insert_extract_run
-- Record one extraction run (written by reliability/extract/prometheus.py at the end of a run).
insert into extract_runs (source, started_at, finished_at, outcome, slos, slices, written, error)
values ($source, $started_at, now(), $outcome, $slos, $slices, $written, $error);

-- name: newest_slices
-- (As series_health: the app reads series_months.newest_slices.)
-- The start of the newest stored slice of every series (service, sli), UTC: how fresh the
-- data is (the app warns about series whose newest slice is older than a threshold).
with final as (
    select service, sli, max(ts) as last_slice
    from usable_slices
    group by service, sli
)

select * from final order by service, sli;

-- name: months_with_incidents
-- Every calendar month (UTC, 'YYYY-MM') in which an incident was detected, newest first
-- (the incidents page also serves a database that holds incidents but no SLI slices).
with months as (
    select distinct strftime(date_trunc('month', detected_at at time zone 'UTC'), '%Y-%m') as month
    from usable_incidents
)

select month from months order by month desc;

-- name: incident_services
-- Every service that has an incident, sorted.
with services as (
    select distinct service from usable_incidents
)

select service from services order by service;
