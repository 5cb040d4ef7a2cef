-- Monthly SLA rollups of the SLOs sla_rollups does not hold (issue 15): definitions with
-- grouping labels (one instance per customer, say) and SLOs with a history of definitions
-- (a month split at `slo apply --effective-from`). Per stored SLO and calendar month, one
-- row per *item* `sla` computes for it (an instance `name{customer="acme"}`, a segment of a
-- split month, or both) and objective: the aggregates of the item's own period, exactly what
-- sla_rollups holds for a plain SLO. sla_rollup_sets says the month's items are complete
-- (which instances exist, none included). Written by every write (reliability.writes).
create table if not exists sla_rollup_items (
    slo varchar not null,                   -- the stored SLO (the definition)
    month varchar not null,                 -- YYYY-MM in the SLO's zone
    item varchar not null,                  -- the name sla computes it under
    idx integer not null,                   -- objective index
    period_start timestamptz not null,      -- the item's period (a segment's, for a split month)
    period_end timestamptz not null,
    slices_with_data bigint not null,
    good_slices bigint not null,
    sum_good double not null,
    sum_total double not null,
    sum_ratio double not null,
    excluded_slices bigint not null,
    maintenance_windows varchar[] not null,
    last_slice bigint
);

create table if not exists sla_rollup_sets (
    slo varchar not null,
    month varchar not null,
    fingerprint varchar not null,           -- definition and history the items were computed for
    instances varchar[],                    -- the instances with rows in the month (null: not grouped)
    computed_at timestamptz not null
);
