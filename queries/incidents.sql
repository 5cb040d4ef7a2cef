-- name: set_team_and_vendor
-- Sets team, vendor and vendor_id of the incidents just inserted from ingest_incident_extra
-- (id, team, vendor, vendor_id). Returns nothing useful (an update count).
update incidents
set team = x.team, vendor = x.vendor, vendor_id = x.vendor_id
from ingest_incident_extra as x
where incidents.id = x.id

-- name: timing_rows
-- Incidents detected in [$start, $end) (optionally one $service, null = all) with their team,
-- whether their acknowledgement is unknown (ack_unknown), and the microseconds between timeline points: detect (detected - started), ack, mitigate and
-- resolve (each from detected_at), and impact (end - start of customer impact: from started_at,
-- else detected_at, to mitigated_at, else resolved_at). Null where a point is missing.
with detected as (
    select *
    from usable_incidents
    where detected_at >= $start
      and detected_at < $end
      and ($service is null or service = $service)
),

final as (
    select
        id,
        service,
        severity,
        coalesce(team, '(none)') as team,
        title,
        started_at,
        detected_at,
        acknowledged_at,
        mitigated_at,
        resolved_at,
        ack_unknown,
        epoch_us(detected_at) - epoch_us(started_at) as detect_us,
        epoch_us(acknowledged_at) - epoch_us(detected_at) as ack_us,
        epoch_us(mitigated_at) - epoch_us(detected_at) as mitigate_us,
        epoch_us(resolved_at) - epoch_us(detected_at) as resolve_us,
        epoch_us(coalesce(mitigated_at, resolved_at))
            - epoch_us(coalesce(started_at, detected_at)) as impact_us
    from detected
)

select * from final order by detected_at, id;

-- name: detected_range
-- The first and last detected_at of all incidents (nulls when there are none).
with final as (
    select min(detected_at) as first_detected, max(detected_at) as last_detected
    from usable_incidents
)

select * from final

-- name: set_ack_unknown
-- Sets ack_unknown of the incidents just written from ingest_ack_unknown (id, ack_unknown).
-- Returns nothing useful (an update count).
update incidents
set ack_unknown = x.ack_unknown
from ingest_ack_unknown as x
where incidents.id = x.id
