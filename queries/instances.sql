-- Per-instance SLOs (reliability/analysis/instances.py): the instances of grouped SLO
-- definitions, found from the series stored under 'sli{label="value",...}' keys.

-- name: keys_in_range
-- Per grouped series ($services, $slis: parallel lists, the definitions' plain SLI names), the
-- stored instance keys with at least one row in [$start, $end). Rows of SLOs without grouping
-- (no '{' in sli) are skipped before the join; a distinct (no sums) keeps this scan cheap next
-- to the aggregates that follow.
with series as (
    select
        unnest($services) as service,
        unnest($slis) as sli
),

keyed as (
    select distinct
        s.service,
        s.sli as key
    from sli_slices as s
    where s.ts >= $start
      and s.ts < $end
      and contains(s.sli, '{')
),

final as (
    select keyed.*
    from keyed
    join series
        on keyed.service = series.service
        and split_part(keyed.key, '{', 1) = series.sli
)

select * from final
order by service, key;

-- name: grouped_definitions
-- The stored SLO definitions that mention the grouping annotation (the caller parses them):
-- what `ingest series` needs to know which label columns make an instance's key.
select
    name,
    service,
    sli,
    definition
from slos
where contains(definition::varchar, 'reliability/group-by')
order by name;
