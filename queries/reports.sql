-- One incident with its timeline and action items, for the report drafts (reliability/reports/).

-- name: incident
-- Every stored field of one incident by $id (no row when unknown).
with found as (
    select *
    from usable_incidents
    where id = $id
),

final as (
    select
        id, service, severity, title, started_at, detected_at, acknowledged_at, mitigated_at,
        resolved_at, closed_at, root_cause, postmortem_url, postmortem_published_at,
        customer_impact, tags
    from found
)

select * from final;

-- name: updates
-- The timeline entries (at, kind, body) of incident $id, in time order.
with entries as (
    select "at", kind, body
    from incident_updates
    where incident_id = $id
),

final as (
    select * from entries
)

select * from final order by "at";

-- name: action_items
-- The action items (idx, title, owner, due, done) of incident $id, in their order.
with items as (
    select idx, title, owner, due, done
    from action_items
    where incident_id = $id
),

final as (
    select * from items
)

select * from final order by idx;

-- name: deployments_before
-- Deployments of $service in [$start, $end) (the hours before an incident to its end), oldest first.
with final as (
    select id, deployed_at, version, description, rolled_back
    from deployments
    where service = $service
      and deployed_at >= $start
      and deployed_at < $end
)

select * from final order by deployed_at, id;
