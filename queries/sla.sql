-- Both queries return, per series key, the slice-level aggregates of that series over its
-- period: rows, misaligned (rows not starting on a slice boundary), last_slice (the index of
-- the newest slice with a row, whatever its counts: how far the data reach), slices_with_data,
-- good_slices (ratio >= the key's time_slice_target, or the key's threshold held by every
-- value in the slice), sum_good and sum_total (events in slices with data), sum_ratio (sum of
-- good/total over slices with data), summed exactly (each ratio as a 28-decimal fixed-point
-- number, then rounded once to a double): a float sum would depend on the order DuckDB's
-- parallel aggregation happens to add in, and so on which other SLOs share the query.
-- Parameters are parallel lists, one entry per key: $keys, $services, $slis, $start_us and
-- $end_us (the period [start, end) in epoch microseconds), $window_us (slice length),
-- $kinds ('ratio' or 'threshold'), $tst (time slice target), $ops and $thresholds; plus
-- $min_start/$max_end, which bound the scan. A key is one series over one period with one
-- good-slice criterion; SLO objectives that share all of that share a key.
-- A slice is [start + k*window, start + (k+1)*window); a row counts in the slice it starts in.
-- A ratio slice has data when its total > 0; a threshold slice when it has a value.

-- name: ratio_aggregates
-- The fast path, for ratio SLIs: every row is its own slice, which holds when every row of
-- the series starts on a slice boundary (1-minute rows, 1-minute slices) since rows are unique
-- per timestamp. The caller re-runs keys with misaligned > 0 through
-- series_aggregates_bucketed. Takes only the ratio lists ($keys, $services, $slis, $start_us,
-- $end_us, $window_us, $tst). Rows with total = 0 have good = 0 (ingestion checks
-- good <= total), so the event sums need no filter; the ratio does (0/0 is NaN, and NaN
-- compares as larger than any number in DuckDB).
with series as (
    select
        unnest($keys) as key,
        unnest($services) as service,
        unnest($slis) as sli,
        unnest($start_us) as start_us,
        unnest($end_us) as end_us,
        unnest($window_us) as window_us,
        unnest($tst) as time_slice_target
),

final as (
    select
        series.key,
        count(*) as rows,
        count(*) filter (where (epoch_us(s.ts) - series.start_us) % series.window_us <> 0) as misaligned,
        max((epoch_us(s.ts) - series.start_us) // series.window_us) as last_slice,
        count(*) filter (where s.total > 0) as slices_with_data,
        count(*) filter (where s.total > 0 and s.good / s.total >= series.time_slice_target) as good_slices,
        coalesce(sum(s.good), 0) as sum_good,
        coalesce(sum(s.total), 0) as sum_total,
        coalesce(sum(case when s.total > 0 then (s.good / s.total)::decimal(38, 28) end), 0)::double as sum_ratio
    from usable_slices as s
    join series
        on s.service = series.service
        and s.sli = series.sli
    where s.ts >= $min_start
      and s.ts < $max_end
      and epoch_us(s.ts) >= series.start_us
      and epoch_us(s.ts) < series.end_us
    group by series.key
)

select * from final;

-- name: series_aggregates_bucketed
-- The general path, for threshold SLIs, misaligned ratio series and series with declared
-- maintenance: rows are first summed into their slices (good and total added, the lowest and
-- highest value kept), then counted. $ex_keys, $ex_lo and $ex_hi (parallel lists, possibly
-- empty) are slice ranges [lo, hi) of a key that maintenance removes from its period: rows in
-- them count nowhere.
with excluded as (
    select
        unnest($ex_keys::bigint[]) as key,
        unnest($ex_lo::bigint[]) as lo,
        unnest($ex_hi::bigint[]) as hi
),

series as (
    select
        unnest($keys) as key,
        unnest($services) as service,
        unnest($slis) as sli,
        unnest($start_us) as start_us,
        unnest($end_us) as end_us,
        unnest($window_us) as window_us,
        unnest($kinds) as sli_kind,
        unnest($tst) as time_slice_target,
        unnest($ops) as op,
        unnest($thresholds) as threshold
),

rows_in_period as (
    select
        series.key,
        (epoch_us(s.ts) - series.start_us) // series.window_us as slice,
        (epoch_us(s.ts) - series.start_us) % series.window_us <> 0 as misaligned,
        s.good,
        s.total,
        s.value
    from usable_slices as s
    join series
        on s.service = series.service
        and s.sli = series.sli
    where s.ts >= $min_start
      and s.ts < $max_end
      and epoch_us(s.ts) >= series.start_us
      and epoch_us(s.ts) < series.end_us
),

kept as (
    select r.*
    from rows_in_period as r
    anti join excluded as e
        on r.key = e.key
        and r.slice >= e.lo
        and r.slice < e.hi
),

slices as (
    select
        series.*,
        r.slice,
        r.misaligned,
        r.good,
        r.total,
        r.min_value,
        r.max_value
    from (
        select
            key,
            slice,
            bool_or(misaligned) as misaligned,
            sum(good) as good,
            sum(total) as total,
            min(value) as min_value,
            max(value) as max_value
        from kept
        group by key, slice
    ) as r
    join series on series.key = r.key
),

final as (
    select
        key,
        count(*) as rows,
        count(*) filter (where misaligned) as misaligned,
        max(slice) as last_slice,
        count(*) filter (where total > 0 or min_value is not null) as slices_with_data,
        count(*) filter (
            where (sli_kind = 'ratio' and total > 0 and good / total >= time_slice_target)
               or (op = 'lt' and max_value < threshold)
               or (op = 'lte' and max_value <= threshold)
               or (op = 'gt' and min_value > threshold)
               or (op = 'gte' and min_value >= threshold)
        ) as good_slices,
        coalesce(sum(good) filter (where total > 0), 0) as sum_good,
        coalesce(sum(total) filter (where total > 0), 0) as sum_total,
        coalesce(sum(case when total > 0 then (good / total)::decimal(38, 28) end), 0)::double as sum_ratio
    from slices
    group by key
)

select * from final;

-- name: instance_aggregates
-- The fast path for the instances of one per-instance definition (reliability/analysis/
-- instance_scan.py): every stored key of service $service whose sli lies in [$lo, $hi) (the
-- keys 'availability{...}' of SLI availability: $lo = 'availability{', $hi = 'availability|')
-- with a usable row in the period [$start, $end), grouped by key, with no join: the filters
-- are plain comparisons the scan's zone maps can use, where matching 216M rows against 5,000
-- keys by a join cost 4x the scan. All keys share the period ($start_us: its start in epoch
-- microseconds), the slice length $window_us and the time slice target
-- $tst (the caller runs one query per such combination). $all_usable: the caller has checked
-- (usable.any_unusable) that every stored row of the period is usable, so the per-row test of
-- usable_slices' conditions (migrations/008_usable_slices.sql, restated here) can be skipped.
-- The columns are ratio_aggregates', computed the same way, except:
-- - misaligned is > 0 when any row is off a slice boundary (the caller then takes the general
--   path, which counts them), and last_slice comes from the newest row's instant;
-- - good_slices is 0 without computing it when $tst > 1 (no slice can reach it: good <= total
--   in usable rows), and sum_ratio is 0 unless $with_ratio (only RatioTimeslices reads it;
--   the exact decimal sum is the query's most expensive column).
with final as (
    select
        s.sli as key,
        count(*) as rows,
        max((epoch_us(s.ts) - $start_us) % $window_us) as misaligned,
        (epoch_us(max(s.ts)) - $start_us) // $window_us as last_slice,
        count(*) filter (where s.total > 0) as slices_with_data,
        count(*) filter (where $tst <= 1 and s.total > 0 and s.good / s.total >= $tst) as good_slices,
        coalesce(sum(s.good), 0) as sum_good,
        coalesce(sum(s.total), 0) as sum_total,
        coalesce(sum(case when $with_ratio and s.total > 0 then (s.good / s.total)::decimal(38, 28) end), 0)::double
            as sum_ratio
    from sli_slices as s
    where s.service = $service
      and s.sli >= $lo
      and s.sli < $hi
      and s.ts >= $start
      and s.ts < $end
      and ($all_usable
           or (s.ts >= '1970-01-01 00:00:00+00'::timestamptz
               and s.ts < '2201-01-01 00:00:00+00'::timestamptz
               and ((s.value is null
                     and isfinite(s.good) and isfinite(s.total)
                     and s.good >= 0 and s.good <= s.total and s.total <= 9007199254740992)
                    or (s.good is null and s.total is null
                        and isfinite(s.value) and abs(s.value) <= 9007199254740992))))
    group by s.sli
)

select * from final;
