-- Reads of the Python API (reliability/api/) that no command makes.

-- name: series
-- The stored rows of one SLI series (service, sli) whose slice starts in [$start, $end), in
-- time order: good and total (ratio SLIs), value (threshold SLIs).
with final as (
    select ts, good, total, value
    from usable_slices
    where service = $service
      and sli = $sli
      and ts >= $start
      and ts < $end
)
select * from final
order by ts
