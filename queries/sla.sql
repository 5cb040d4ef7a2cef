-- name: objective_aggregates
-- Per SLO objective, the slice-level aggregates of its series over its period:
-- slices_with_data, good_slices (ratio >= timeSliceTarget, or threshold held by every value
-- in the slice), sum_good, sum_total (events), sum_ratio (sum of good/total over slices with
-- data). Inputs are two registered relations built from the stored SLOs:
--   sla_series(key, service, sli, period_start, period_end, start_us, window_us)
--   sla_objectives(key, slo, idx, sli_kind, time_slice_target, op, threshold)
-- A slice is [period_start + k*window, period_start + (k+1)*window); rows are bucketed into
-- the slice they start in. A ratio slice has data when its total > 0; a threshold slice when
-- it has a value.
with series as (
    select * from sla_series
),

rows_in_period as (
    select
        series.key,
        (epoch_us(s.ts) - series.start_us) // series.window_us as slice,
        s.good,
        s.total,
        s.value
    from sli_slices as s
    join series
        on s.service = series.service
        and s.sli = series.sli
        and s.ts >= series.period_start
        and s.ts < series.period_end
),

slices as (
    select
        key,
        slice,
        sum(good) as good,
        sum(total) as total,
        min(value) as min_value,
        max(value) as max_value
    from rows_in_period
    group by key, slice
),

per_objective as (
    select
        o.slo,
        o.idx,
        count(*) filter (
            where (o.sli_kind = 'ratio' and sl.total > 0)
               or (o.sli_kind = 'threshold' and sl.min_value is not null)
        ) as slices_with_data,
        count(*) filter (
            where (o.sli_kind = 'ratio' and sl.total > 0 and sl.good / sl.total >= o.time_slice_target)
               or (o.op = 'lt' and sl.max_value < o.threshold)
               or (o.op = 'lte' and sl.max_value <= o.threshold)
               or (o.op = 'gt' and sl.min_value > o.threshold)
               or (o.op = 'gte' and sl.min_value >= o.threshold)
        ) as good_slices,
        coalesce(sum(sl.good) filter (where sl.total > 0), 0) as sum_good,
        coalesce(sum(sl.total) filter (where sl.total > 0), 0) as sum_total,
        coalesce(sum(sl.good / sl.total) filter (where sl.total > 0), 0) as sum_ratio
    from sla_objectives as o
    join slices as sl on sl.key = o.key
    group by o.slo, o.idx
),

final as (
    select
        o.slo,
        o.idx,
        coalesce(p.slices_with_data, 0) as slices_with_data,
        coalesce(p.good_slices, 0) as good_slices,
        coalesce(p.sum_good, 0) as sum_good,
        coalesce(p.sum_total, 0) as sum_total,
        coalesce(p.sum_ratio, 0) as sum_ratio
    from sla_objectives as o
    left join per_objective as p on p.slo = o.slo and p.idx = o.idx
)

select * from final order by slo, idx;
