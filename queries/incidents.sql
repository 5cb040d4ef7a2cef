-- name: detected_between
-- Incidents detected in [$start, $end), optionally of one service ($service null = all),
-- with the microseconds between their timeline points (null where a point is missing).
with detected as (
    select *
    from incidents
    where detected_at >= $start
      and detected_at < $end
      and ($service is null or service = $service)
),

final as (
    select
        id,
        service,
        severity,
        title,
        detected_at,
        acknowledged_at,
        epoch_us(detected_at) - epoch_us(started_at) as detect_us,
        epoch_us(acknowledged_at) - epoch_us(detected_at) as ack_us,
        epoch_us(mitigated_at) - epoch_us(detected_at) as mitigate_us,
        epoch_us(resolved_at) - epoch_us(detected_at) as resolve_us
    from detected
)

select * from final order by detected_at, id;
