-- Composite SLOs (reliability/analysis/composite.py, reliability/slos.py).

-- name: has_table
-- 1 when composite_slos exists (a database migrated before it has none).
select count(*) as n
from information_schema.tables
where table_name = 'composite_slos';

-- name: definitions
-- The stored composites, in name order, with their parsed definitions (JSON).
select name, definition
from composite_slos
order by name;

-- name: delete
-- Removes composites ($names) before they are replaced (by a composite or an SLO of the name).
delete from composite_slos
where name in (select unnest($names));

-- name: insert
-- Stores composites; parallel lists $names, $definitions.
insert into composite_slos (name, definition, applied_at)
select unnest($names), unnest($definitions), now();
