-- Per-slice data of one series, for budget burn-down, burn rates, alert replay, worst
-- windows and forecasts (reliability/analysis/timeline.py turns it into dense arrays).

-- name: slices
-- One row per slice of [$start, $end) that has rows: slice = its index counted from $start_us
-- in steps of $window_us (epoch microseconds); good and total summed over the slice's rows,
-- rows = how many rows, min_value/max_value the lowest/highest value (NaN when none).
with rows_in_range as (
    select
        (epoch_us(ts) - $start_us) // $window_us as slice,
        good,
        total,
        value
    from usable_slices
    where service = $service
      and sli = $sli
      and ts >= $start
      and ts < $end
),

final as (
    select
        slice,
        count(*) as rows,
        coalesce(sum(good), 0) as good,
        coalesce(sum(total), 0) as total,
        coalesce(min(value), 'NaN'::double) as min_value,
        coalesce(max(value), 'NaN'::double) as max_value
    from rows_in_range
    group by slice
)

select * from final;

-- name: incidents
-- Incidents of $service whose impact [coalesce(started_at, detected_at), coalesce(mitigated_at,
-- resolved_at, $end)) overlaps [$start, $end), oldest first. The impact window is the one of
-- `impact` (queries/impact.sql): customers are hurt until mitigation, not until the paperwork.
with impact as (
    select
        id,
        severity,
        title,
        coalesce(started_at, detected_at) as impact_start,
        coalesce(mitigated_at, resolved_at) as impact_end,
        detected_at
    from usable_incidents
    where service = $service
),

final as (
    select *
    from impact
    where impact_start < $end
      and coalesce(impact_end, $end) > $start
    order by impact_start, id
)

select * from final;

-- name: rows_many
-- Every row of series ($services[i], $sli) starting in [$start, $end): cell = i * $slices + slice
-- (i from 0; slice: index from $start_us in steps of $window_us, epoch microseconds), good,
-- total (0 for threshold rows). Not grouped: the caller adds rows of one slice up, far cheaper
-- than a 40M-group aggregate. A filter, not a join, so rows come out in file order (usually
-- cell order, which the caller turns into arrays without sorting). $first_service and
-- $last_service (the lowest and highest of $services) let the scan skip other row groups.
with rows_in_range as (
    select
        list_position($services, s.service) as position,
        (epoch_us(s.ts) - $start_us) // $window_us as slice,
        s.good,
        s.total
    from usable_slices as s
    where s.sli = $sli
      and s.service between $first_service and $last_service
      and s.ts >= $start
      and s.ts < $end
),

final as (
    select
        (position - 1)::bigint * $slices + slice as cell,
        coalesce(good, 0) as good,
        coalesce(total, 0) as total
    from rows_in_range
    where position is not null
)

select * from final;

-- name: values_many
-- Threshold series ($services[i], $sli) in [$start, $end): per (code = i from 0, slice) the
-- lowest and highest value.
with rows_in_range as (
    select
        list_position($services, s.service) as position,
        (epoch_us(s.ts) - $start_us) // $window_us as slice,
        s.value
    from usable_slices as s
    where s.sli = $sli
      and s.service between $first_service and $last_service
      and s.ts >= $start
      and s.ts < $end
      and s.value is not null
),

final as (
    select
        (position - 1)::integer as code,
        slice::integer as slice,
        min(value) as min_value,
        max(value) as max_value
    from rows_in_range
    where position is not null
    group by all
)

select * from final;

-- name: incidents_many
-- Incidents of any of $services whose impact overlaps [$start, $end), as in `incidents`.
with impact as (
    select
        id,
        service,
        severity,
        title,
        coalesce(started_at, detected_at) as impact_start,
        coalesce(mitigated_at, resolved_at) as impact_end,
        detected_at
    from usable_incidents
    where service in (select unnest($services))
),

final as (
    select *
    from impact
    where impact_start < $end
      and coalesce(impact_end, $end) > $start
    order by impact_start, id
)

select * from final;
