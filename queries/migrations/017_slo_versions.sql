-- The definitions of each SLO over time (issue 17, "definitions in force"): `slo apply
-- --effective-from T` appends a version instead of rewriting the past. A version is in force
-- from effective_from until the next version's effective_from; effective_from is null for a
-- first version applied without --effective-from, which is in force since always. The `slos`
-- table keeps holding the newest version (what is in force now). version numbers count the
-- changes in the order they were applied (1, 2, ...); history is append-only.
-- (Numbered 017, after its issue, so that migrations added on parallel branches never collide.)
create table if not exists slo_versions (
    slo varchar not null,
    version integer not null,
    effective_from timestamptz,
    definition json not null,               -- the resolved SLO document, as slos.definition
    source_file varchar,
    applied_at timestamptz not null,
    primary key (slo, version)
);

-- Every SLO stored before versions existed is its own first version, in force since always.
insert into slo_versions (slo, version, effective_from, definition, source_file, applied_at)
select name, 1, null, definition, null, applied_at
from slos
where name not in (select slo from slo_versions);
