-- Customer contracts and what they read (reliability/contracts/).

-- name: insert
-- Stores one contract (after `delete` of the same name: applying replaces).
insert into contracts (name, customer, definition, source_file, source_yaml, applied_at)
values ($name, $customer, $definition, $source_file, $source_yaml, $applied_at)

-- name: count_named
-- Returns n: 1 when a contract named $name is stored, else 0.
select count(*) as n from contracts where name = $name;

-- name: delete
-- Deletes the contract named $name.
delete from contracts where name = $name;

-- name: all
-- Returns (name, customer, definition, source_file, source_yaml, applied_at) of every stored
-- contract, ordered by customer then name.
with final as (
    select name, customer, definition, source_file, source_yaml, applied_at
    from contracts
)

select * from final order by customer, name;

-- name: incidents_by_id
-- Returns each incident of $ids with its impact window: from started_at (else detected_at) to
-- mitigated_at (else resolved_at; null when neither), the one rule of `impact`.
with found as (
    select *
    from incidents
    where list_contains($ids, id)
),

final as (
    select
        id, service, severity, title, tags,
        coalesce(started_at, detected_at) as window_start,
        coalesce(mitigated_at, resolved_at) as window_end
    from found
)

select * from final order by window_start, id;

-- name: incidents_overlapping
-- Returns every incident of a service in $services whose impact window overlaps [$start, $end)
-- (window_start < $end and window_end > $start; an open window runs on), with the facts the
-- breach process and the customer statement need, ordered by window start then id.
with windows as (
    select
        *,
        coalesce(started_at, detected_at) as window_start,
        coalesce(mitigated_at, resolved_at) as window_end
    from incidents
    where list_contains($services, service)
),

final as (
    select
        id, service, severity, title, tags, root_cause, customer_impact,
        postmortem_url, postmortem_published_at, detected_at, resolved_at,
        window_start, window_end
    from windows
    where window_start < $end
      and (window_end is null or window_end > $start)
)

select * from final order by window_start, id;

-- name: action_items_of
-- Returns the action items (incident_id, idx, title, owner, due, done) of the incidents in $ids.
with final as (
    select incident_id, idx, title, owner, due, done
    from action_items
    where list_contains($ids, incident_id)
)

select * from final order by incident_id, idx;

-- name: updates_of
-- Returns the timeline entries (incident_id, at, kind, body) of the incidents in $ids.
with final as (
    select incident_id, "at", kind, body
    from incident_updates
    where list_contains($ids, incident_id)
)

select * from final order by incident_id, "at";
