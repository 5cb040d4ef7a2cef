-- The SLA impact of one incident (reliability/analysis/impact.py).

-- name: incident
-- One incident by $id with its impact window: from started_at (else detected_at) to
-- mitigated_at (else resolved_at; null when neither).
with found as (
    select *
    from usable_incidents
    where id = $id
),

final as (
    select
        id, service, severity, title, started_at, detected_at, mitigated_at, resolved_at,
        coalesce(started_at, detected_at) as window_start,
        coalesce(mitigated_at, resolved_at) as window_end
    from found
)

select * from final;

-- name: window_aggregates
-- Ratio SLI rows of ($service, $sli) in the slices of $slice_seconds (aligned on $origin) that
-- the window [$start, $end) touches: from the slice $start falls in (an incident that starts
-- at 15:04:30 spoils the minute 15:04) to the rows starting before $end. Returns one row: good
-- and total events, slices with data (total > 0), bad slices (good/total < $slice_target),
-- and Σ(1 − good/total) over them.
with first_slice as (
    select time_bucket(to_seconds($slice_seconds), $start::timestamptz, $origin::timestamptz) as start
),

rows_in as (
    select ts, good, total
    from usable_slices
    where service = $service
      and sli = $sli
      and ts >= (select start from first_slice)
      and ts < $end
),

slices as (
    select
        time_bucket(to_seconds($slice_seconds), ts, $origin) as slice,
        sum(good) as good,
        sum(total) as total
    from rows_in
    group by slice
),

final as (
    select
        coalesce(sum(good), 0) as sum_good,
        coalesce(sum(total), 0) as sum_total,
        count(*) filter (where total > 0) as slices_with_data,
        count(*) filter (where total > 0 and good / total < $slice_target) as bad_slices,
        coalesce(sum(1 - good / total) filter (where total > 0), 0) as sum_bad_ratio
    from slices
)

select * from final;

-- name: incidents_between
-- Ids of incidents detected in [$start, $end), optionally of one $service; by detection.
with final as (
    select id, detected_at
    from usable_incidents
    where detected_at >= $start
      and detected_at < $end
      and ($service is null or service = $service)
)

select id from final order by detected_at, id
