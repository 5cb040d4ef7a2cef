-- Monthly SLA rollups (issue 15): per SLO objective and calendar month (in the SLO's zone) the
-- aggregates `sla` computes from sli_slices, so that views over many months read a few rows
-- per SLO instead of every slice. Written by every write (store.transaction refreshes exactly
-- the SLO-months a write touched); a missing or stale row is computed fresh by the reader.
-- No primary key on purpose: a refresh deletes and re-inserts rows in one transaction.
create table if not exists sla_rollups (
    slo varchar not null,
    idx integer not null,                   -- objective index
    month varchar not null,                 -- YYYY-MM in the SLO's zone
    fingerprint varchar not null,           -- the SLO definition the row was computed for
    period_start timestamptz not null,
    period_end timestamptz not null,
    zone varchar not null,
    slices_with_data bigint not null,
    good_slices bigint not null,
    sum_good double not null,
    sum_total double not null,
    sum_ratio double not null,
    excluded_slices bigint not null,        -- slices removed by stored maintenance windows
    maintenance_windows varchar[] not null,
    last_slice bigint,                      -- index of the period's newest slice with a row (null: none)
    computed_at timestamptz not null
);
