-- name: delete_objects
-- Removes applied OpenSLO documents (parallel lists $kinds, $names) before they are replaced.
delete from openslo_objects
where (kind, name) in (select unnest($kinds), unnest($names));

-- name: insert_objects
-- Stores applied OpenSLO documents (JSON) with their source YAML; parallel lists.
insert into openslo_objects (kind, name, spec, source_file, source_yaml, applied_at)
select unnest($kinds), unnest($names), unnest($specs), unnest($source_files), unnest($source_yamls), now();

-- name: delete_slos
-- Removes SLOs and their objectives ($names) before they are replaced.
delete from slos where name in (select unnest($names));

-- name: delete_objectives
delete from slo_objectives where slo in (select unnest($names));

-- name: insert_slos
-- Stores resolved SLOs; every parameter is a list with one entry per SLO.
insert into slos (
    name, display_name, description, service, sli, sli_kind, budgeting_method,
    window_duration, is_rolling, calendar_start, time_zone, time_slice_window_seconds,
    definition, applied_at
)
select
    unnest($name), unnest($display_name), unnest($description), unnest($service), unnest($sli),
    unnest($sli_kind), unnest($budgeting_method), unnest($window_duration), unnest($is_rolling),
    unnest($calendar_start::timestamptz[]), unnest($time_zone), unnest($time_slice_window_seconds::integer[]),
    unnest($definition), now();

-- name: insert_objectives
-- Stores SLO objectives; parallel lists, one entry per objective.
insert into slo_objectives (slo, idx, name, target, time_slice_target, op, value)
select
    unnest($slo), unnest($idx), unnest($name), unnest($target::double[]),
    unnest($time_slice_target::double[]), unnest($op::varchar[]), unnest($value::double[]);

-- name: stored_documents
-- Every applied document of the given kind: name, JSON body, source file.
select name, spec, source_file
from openslo_objects
where kind = $kind
order by name;

-- name: slo_definitions
-- The stored SLOs, in name order, with their resolved definitions (JSON).
select name, definition
from slos
order by name;

-- name: latest_versions
-- The newest version of each listed SLO ($names): number, effective_from, definition.
with ranked as (
    select
        slo,
        version,
        effective_from,
        definition,
        row_number() over (partition by slo order by effective_from desc nulls last, version desc) as rank
    from slo_versions
    where slo in (select unnest($names))
),

final as (
    select slo, version, effective_from, definition
    from ranked
    where rank = 1
)

select * from final;

-- name: delete_versions
-- Removes versions ($slos, $versions: parallel lists) before they are written again.
delete from slo_versions
where (slo, version) in (select unnest($slos), unnest($versions));

-- name: insert_versions
-- Stores SLO versions; parallel lists, one entry per version.
insert into slo_versions (slo, version, effective_from, definition, source_file, applied_at)
select
    unnest($slos), unnest($versions), unnest($effective_from::timestamptz[]), unnest($definitions),
    unnest($source_files), now();

-- name: histories
-- Every version of the SLOs that have a history (more than one version, or a first version
-- in force from a given instant), in order of effective_from; the SLOs without one (nearly all)
-- cost nothing more than this scan of a small table.
with with_history as (
    select slo
    from slo_versions
    group by slo
    having count(*) > 1 or bool_or(effective_from is not null)
),

final as (
    select v.slo, v.version, v.effective_from, v.definition, v.source_file, v.applied_at
    from slo_versions as v
    semi join with_history on with_history.slo = v.slo
)

select * from final
order by slo, effective_from nulls first, version;

-- name: versions_of
-- Every version of one SLO ($name), in order of effective_from (slo history).
select slo, version, effective_from, definition, source_file, applied_at
from slo_versions
where slo = $name
order by effective_from nulls first, version;

-- name: delete_all_versions
-- Forgets the whole history of the listed SLOs ($names): the demo rebuilds its own.
delete from slo_versions where slo in (select unnest($names));
