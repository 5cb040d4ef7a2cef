-- Stored slice rows that readers leave out: those not in the usable_slices view
-- (migrations/008_usable_slices.sql; the conditions below are that view's, negated and named).

-- name: unusable_rows
-- Per series of $services/$slis (parallel lists) that holds rows starting in [$start, $end), or
-- rows with an instant out of range anywhere, that usable_slices leaves out:
-- (service, sli, rows, first_ts, problem), problem naming the fault of the earliest such row.
with series as (
    select unnest($services) as service, unnest($slis) as sli
),

classified as (
    select
        s.service,
        s.sli,
        s.ts,
        case
            when s.ts < '1970-01-01 00:00:00+00'::timestamptz or s.ts >= '2201-01-01 00:00:00+00'::timestamptz
                then 'a timestamp outside 1970-01-01 .. 2200-12-31'
            when s.value is null and (s.good is null or s.total is null)
                then 'an empty count'
            when s.value is null and not (isfinite(s.good) and isfinite(s.total))
                then 'a count that is not a finite number'
            when s.value is null and (s.good < 0 or s.total < 0)
                then 'a negative count'
            when s.value is null and s.good > s.total
                then 'good > total'
            when s.value is null and s.total > 9007199254740992
                then 'a count above 2^53'
            when s.value is not null and (s.good is not null or s.total is not null)
                then 'both counts and a value'
            when s.value is not null and not isfinite(s.value)
                then 'a value that is not a finite number'
            when s.value is not null and abs(s.value) > 9007199254740992
                then 'a value beyond 2^53 in magnitude'
        end as problem
    from sli_slices as s
    semi join series on s.service = series.service and s.sli = series.sli
    where (s.ts >= $start and s.ts < $end)
       or s.ts < '1970-01-01 00:00:00+00'::timestamptz
       or s.ts >= '2201-01-01 00:00:00+00'::timestamptz
),

final as (
    select service, sli, count(*) as rows, min(ts) as first_ts, arg_min(problem, ts) as problem
    from classified
    where problem is not null
    group by service, sli
)

select * from final order by service, sli

-- name: stored_series
-- Every (service, sli) with a stored row, usable or not.
with final as (
    select distinct service, sli
    from sli_slices
)

select * from final order by service, sli

-- name: any_unusable
-- Returns (n): how many stored rows starting in [$start, $end), or with an instant out of
-- range anywhere, usable_slices leaves out. One plain scan, no join: the cheap check that
-- runs first (unusable_rows, which names the series, runs only when n > 0).
with final as (
    select count(*) as n
    from sli_slices
    where ((ts >= $start and ts < $end)
            or ts < '1970-01-01 00:00:00+00'::timestamptz
            or ts >= '2201-01-01 00:00:00+00'::timestamptz)
      and not coalesce(
          ts >= '1970-01-01 00:00:00+00'::timestamptz
          and ts < '2201-01-01 00:00:00+00'::timestamptz
          and ((value is null and good >= 0 and good <= total and total <= 9007199254740992)
               or (good is null and total is null and abs(value) <= 9007199254740992)),
          false)
)

select * from final
