-- Response, cadence, post-mortem and action-item compliance (reliability/incidents/targets.py).

-- name: incidents_between
-- Incidents detected in [$start, $end) (optionally one $service, null = all) with the points
-- the targets need; ordered by detected_at, id.
with detected as (
    select *
    from usable_incidents
    where detected_at >= $start
      and detected_at < $end
      and ($service is null or service = $service)
),

final as (
    select
        id, service, severity, title, detected_at, acknowledged_at, mitigated_at, resolved_at,
        postmortem_url, postmortem_published_at, ack_unknown
    from detected
)

select * from final order by detected_at, id;

-- name: updates_between
-- Timeline entries (incident_id, at, kind) of the incidents detected in [$start, $end)
-- (optionally one $service) whose kind is in $kinds; ordered by incident, time.
with detected as (
    select id
    from usable_incidents
    where detected_at >= $start
      and detected_at < $end
      and ($service is null or service = $service)
),

final as (
    select u.incident_id, u."at", u.kind
    from incident_updates as u
    inner join detected as d on d.id = u.incident_id
    where list_contains($kinds, u.kind)
)

select * from final order by incident_id, "at";

-- name: action_items
-- Every action item (optionally of one $service or one $owner) with its incident's service
-- and severity; ordered by incident, idx.
with items as (
    select a.*, i.service, i.severity
    from action_items as a
    inner join usable_incidents as i on i.id = a.incident_id
),

final as (
    select incident_id, idx, service, severity, title, owner, due, done
    from items
    where ($service is null or service = $service)
      and ($owner is null or owner = $owner)
)

select * from final order by incident_id, idx
