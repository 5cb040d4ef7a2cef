-- SLO coverage (`reliability coverage`): what has data but no SLO measuring it.

-- name: series_inventory
-- Every stored SLI series with a row at or after $since (null: all time): service, sli, rows,
-- the first and the newest slice start.
with kept as (
    select service, sli, ts
    from sli_slices
    where $since::timestamptz is null or ts >= $since::timestamptz
),

final as (
    select
        service,
        sli,
        count(*) as rows,
        min(ts) as first_slice,
        max(ts) as newest_slice
    from kept
    group by service, sli
)

select * from final
order by service, sli;

-- name: incident_inventory
-- Per service, the incidents detected at or after $since (null: all time): how many, the
-- first and the last detection, and how many were SEV-1 or SEV-2.
with kept as (
    select service, severity, detected_at
    from incidents
    where $since::timestamptz is null or detected_at >= $since::timestamptz
),

final as (
    select
        service,
        count(*) as incidents,
        count(*) filter (where severity in ('SEV-1', 'SEV-2')) as major_incidents,
        min(detected_at) as first_detected,
        max(detected_at) as last_detected
    from kept
    group by service
)

select * from final
order by service;
