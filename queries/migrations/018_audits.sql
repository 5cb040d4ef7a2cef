-- Audits (issue 18). An action item's priority ('P0' most urgent ... 'P4'; null when the
-- source gave none), which the error-budget policy's "post-mortem with at least one P0 action
-- item" rule reads. And the error-budget policy applied by `policy apply`: one row per policy
-- name, its parsed spec as JSON and the YAML it came from. (Numbered 018, after its issue, so
-- that migrations added on parallel branches never collide.)
alter table action_items add column priority varchar;

create table error_budget_policies (
    name varchar primary key,
    spec json not null,
    source_file varchar,
    source_yaml varchar,
    applied_at timestamptz not null
);
