-- Change correlation (reliability/incidents/changes.py).

-- name: correlated
-- Pairs (incident, deployment) of the same service where the incident was detected within
-- $hours hours after the deployment (deployed_at <= detected_at <= deployed_at + $hours h,
-- both inclusive), for incidents detected in [$start, $end). Minutes between them.
with pairs as (
    select
        i.id as incident_id,
        i.service,
        i.severity,
        i.detected_at,
        d.id as deployment_id,
        d.version,
        d.deployed_at,
        d.rolled_back,
        (epoch_us(i.detected_at) - epoch_us(d.deployed_at)) / 60000000.0 as minutes_after
    from usable_incidents as i
    inner join deployments as d
        on d.service = i.service
        and i.detected_at >= d.deployed_at
        and epoch_us(i.detected_at) - epoch_us(d.deployed_at) <= cast($hours * 3600000000 as bigint)
    where i.detected_at >= $start and i.detected_at < $end
),

final as (
    select * from pairs
)

select * from final order by detected_at, incident_id, deployed_at;

-- name: failure_rate
-- Per service and month of deployed_at (in $tz), for deployments in [$start, $end):
-- deployments, rolled back, followed by an incident of the service within $hours hours, and
-- failed (either). Each deployment counts once.
with deploys as (
    select
        d.*,
        strftime(timezone($tz, d.deployed_at), '%Y-%m') as month,
        exists (
            select 1
            from usable_incidents as i
            where i.service = d.service
              and i.detected_at >= d.deployed_at
              and epoch_us(i.detected_at) - epoch_us(d.deployed_at) <= cast($hours * 3600000000 as bigint)
        ) as with_incident
    from deployments as d
    where d.deployed_at >= $start and d.deployed_at < $end
),

final as (
    select
        service,
        month,
        count(*) as deployments,
        count(*) filter (where coalesce(rolled_back, false)) as rolled_back,
        count(*) filter (where with_incident) as with_incident,
        count(*) filter (where coalesce(rolled_back, false) or with_incident) as failed
    from deploys
    group by service, month
)

select * from final order by service, month
