-- name: delete_object
-- Removes one applied OpenSLO document before it is replaced.
delete from openslo_objects where kind = $kind and name = $name;

-- name: insert_object
-- Stores one applied OpenSLO document (JSON) with its source YAML.
insert into openslo_objects (kind, name, spec, source_file, source_yaml, applied_at)
values ($kind, $name, $spec, $source_file, $source_yaml, now());

-- name: delete_slo
-- Removes an SLO and its objectives before it is replaced.
delete from slos where name = $name;

-- name: delete_objectives
delete from slo_objectives where slo = $name;

-- name: insert_slo
-- Stores one resolved SLO.
insert into slos (
    name, display_name, description, service, sli, sli_kind, budgeting_method,
    window_duration, is_rolling, calendar_start, time_zone, time_slice_window_seconds,
    definition, applied_at
) values (
    $name, $display_name, $description, $service, $sli, $sli_kind, $budgeting_method,
    $window_duration, $is_rolling, $calendar_start, $time_zone, $time_slice_window_seconds,
    $definition, now()
);

-- name: insert_objective
insert into slo_objectives (slo, idx, name, target, time_slice_target, op, value)
values ($slo, $idx, $name, $target, $time_slice_target, $op, $value);

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
