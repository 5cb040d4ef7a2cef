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
    from sli_slices
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
-- Incidents of $service whose impact [coalesce(started_at, detected_at), coalesce(resolved_at,
-- mitigated_at, $end)) overlaps [$start, $end), oldest first.
with impact as (
    select
        id,
        severity,
        title,
        coalesce(started_at, detected_at) as impact_start,
        coalesce(resolved_at, mitigated_at) as impact_end,
        detected_at
    from incidents
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
