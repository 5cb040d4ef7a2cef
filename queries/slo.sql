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
