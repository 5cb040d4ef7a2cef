-- Recurrence of incidents (reliability/incidents/recurrence.py). A root cause is compared
-- normalised: lower case, runs of blanks as one space, no surrounding blanks or final period.

-- name: repeats
-- Pairs (earlier, later) of incidents of the same service with the same normalised root cause,
-- the later detected within $days days (inclusive) after the earlier, the later detected in
-- [$start, $end). Returns ids, service, root cause and the gap in minutes.
with norm as (
    select
        id, service, detected_at,
        root_cause,
        rtrim(lower(trim(regexp_replace(root_cause, '\s+', ' ', 'g'))), '.') as cause
    from usable_incidents
    where root_cause is not null and trim(root_cause) <> ''
),

final as (
    select
        a.id as earlier,
        b.id as later,
        b.service,
        b.root_cause,
        (epoch_us(b.detected_at) - epoch_us(a.detected_at)) / 60000000.0 as gap_minutes
    from norm as a
    inner join norm as b
        on a.service = b.service
        and a.cause = b.cause
        and (a.detected_at, a.id) < (b.detected_at, b.id)
        and b.detected_at <= a.detected_at + to_days(cast($days as integer))
    where b.detected_at >= $start and b.detected_at < $end
)

select * from final order by later, earlier;

-- name: similar_titles
-- Pairs of incidents (a before b, any service) whose titles have a Jaro-Winkler similarity of
-- at least $threshold (case-insensitive), b detected in [$start, $end).
with titled as (
    select id, service, title, detected_at
    from usable_incidents
    where title is not null and trim(title) <> ''
),

final as (
    select
        a.id as a, b.id as b, a.title as a_title, b.title as b_title,
        jaro_winkler_similarity(lower(a.title), lower(b.title)) as similarity
    from titled as a
    inner join titled as b on (a.detected_at, a.id) < (b.detected_at, b.id)
    where b.detected_at >= $start and b.detected_at < $end
      and jaro_winkler_similarity(lower(a.title), lower(b.title)) >= $threshold
)

select * from final order by b, a;

-- name: prior_30_days
-- For each incident detected in [$start, $end): the incidents of its service detected in the
-- $days days before it (exclusive of itself), and how many of those are alike (same normalised
-- root cause, or title similarity >= $threshold).
with norm as (
    select
        id, service, detected_at, lower(title) as title,
        rtrim(lower(trim(regexp_replace(root_cause, '\s+', ' ', 'g'))), '.') as cause
    from usable_incidents
),

pairs as (
    select
        b.id,
        a.id as prior_id,
        (a.cause = b.cause) or coalesce(jaro_winkler_similarity(a.title, b.title) >= $threshold, false) as alike
    from norm as b
    inner join norm as a
        on a.service = b.service
        and a.detected_at >= b.detected_at - to_days(cast($days as integer))
        and (a.detected_at, a.id) < (b.detected_at, b.id)
),

final as (
    select
        b.id, b.service, b.detected_at,
        count(p.prior_id) as prior,
        count(p.prior_id) filter (where p.alike) as alike
    from norm as b
    left join pairs as p on p.id = b.id
    where b.detected_at >= $start and b.detected_at < $end
    group by b.id, b.service, b.detected_at
)

select * from final order by detected_at, id;

-- name: when_detected
-- Incidents detected in [$start, $end) by local ISO weekday (1 = Monday) and hour in $tz.
with local as (
    select timezone($tz, detected_at) as t
    from usable_incidents
    where detected_at >= $start and detected_at < $end
),

final as (
    select isodow(t) as weekday, hour(t) as hour, count(*) as incidents
    from local
    group by weekday, hour
)

select * from final order by weekday, hour;

-- name: mentions
-- Pairs (id, other) where incident other's title, root cause or a timeline entry names id
-- as a whole word.
with texts as (
    select id, coalesce(title, '') || ' ' || coalesce(root_cause, '') as body from usable_incidents
    union all
    select incident_id as id, coalesce(body, '') as body from incident_updates
),

final as (
    select distinct i.id, t.id as other
    from usable_incidents as i
    inner join texts as t
        on t.id <> i.id
        and contains(t.body, i.id)
        and regexp_matches(t.body, '(^|[^A-Za-z0-9_])' || regexp_escape(i.id) || '($|[^A-Za-z0-9_])')
)

select * from final order by id, other
;

-- name: shared_tags
-- Incidents of the same service as $id, detected within $days days of it (either side), that
-- share at least one tag with it: (other, shared tags sorted).
with me as (
    select id, service, detected_at, tags
    from usable_incidents
    where id = $id
),

final as (
    select
        o.id as other,
        list_sort(list_intersect(me.tags, o.tags)) as shared
    from usable_incidents as o
    inner join me
        on o.service = me.service
        and o.id <> me.id
        and o.detected_at between me.detected_at - to_days(cast($days as integer))
            and me.detected_at + to_days(cast($days as integer))
    where len(list_intersect(me.tags, o.tags)) > 0
)

select * from final order by other;

-- name: exists
-- One row (id) when incident $id exists.
with final as (
    select id from usable_incidents where id = $id
)

select * from final
