-- Audits (reliability/audits/): the stored error-budget policy, and the deployments, incidents
-- and action items the policy, breach-process and SLI audits judge.

-- name: policy_delete
-- Removes every stored policy (one policy is in force at a time: applying replaces it).
delete from error_budget_policies

-- name: policy_insert
-- Stores the policy $name: its parsed document as JSON ($spec) and the YAML it came from.
insert into error_budget_policies (name, spec, source_file, source_yaml, applied_at)
values ($name, $spec, $file, $yaml, now())

-- name: policy_stored
-- The stored policy (name, spec as JSON text, source file, applied_at), newest first.
with final as (
    select name, spec::varchar as spec, source_file, applied_at
    from error_budget_policies
)

select * from final order by applied_at desc, name

-- name: deployments_between
-- Deployments with deployed_at in [$start, $end), optionally of one $service; by time, id.
with final as (
    select id, service, deployed_at, version, description, rolled_back
    from deployments
    where deployed_at >= $start
      and deployed_at < $end
      and ($service is null or service = $service)
)

select * from final order by deployed_at, id

-- name: incidents_detected
-- Incidents detected in [$start, $end), optionally of one $service, with the impact window of
-- `impact` (window_start = started_at else detected_at; window_end = mitigated_at else
-- resolved_at) and the fields the audits judge; by detection, id.
with detected as (
    select *
    from incidents
    where detected_at >= $start
      and detected_at < $end
      and ($service is null or service = $service)
),

final as (
    select
        id, service, severity, title, started_at, detected_at, acknowledged_at, mitigated_at,
        resolved_at, root_cause, postmortem_url, postmortem_published_at,
        coalesce(started_at, detected_at) as window_start,
        coalesce(mitigated_at, resolved_at) as window_end
    from detected
)

select * from final order by detected_at, id

-- name: incidents_overlapping
-- Incidents of $service whose impact window [window_start, coalesce(window_end, $end))
-- overlaps [$start, $end), with the fields the breach-process audit judges; by start, id.
with impact as (
    select
        id, service, severity, title, started_at, detected_at, mitigated_at, resolved_at,
        root_cause, postmortem_url, postmortem_published_at, customer_impact,
        coalesce(started_at, detected_at) as window_start,
        coalesce(mitigated_at, resolved_at) as window_end
    from incidents
    where service = $service
),

final as (
    select *
    from impact
    where window_start < $end
      and coalesce(window_end, $end) > $start
)

select * from final order by window_start, id

-- name: incident_window
-- The impact window of incident $id (window_end null when it has neither mitigated_at nor
-- resolved_at).
with final as (
    select id, service, coalesce(started_at, detected_at) as window_start,
           coalesce(mitigated_at, resolved_at) as window_end
    from incidents
    where id = $id
)

select * from final

-- name: action_items_of
-- Action items of the incidents $ids (a list), in their order.
with final as (
    select incident_id, idx, title, owner, due, done, priority
    from action_items
    where list_contains($ids, incident_id)
)

select * from final order by incident_id, idx
