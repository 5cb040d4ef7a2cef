-- One row per `extract` run, written when the run ends (also when it fails), for the app's
-- data health page: when it ran, how it ended, and what it did.
create table extract_runs (
    source varchar not null,             -- 'prometheus'
    started_at timestamptz not null,
    finished_at timestamptz not null,
    outcome varchar not null,            -- 'ok' or 'failed'
    slos integer not null,               -- SLOs (series) in the run
    slices bigint not null,              -- slices in the requested ranges
    written bigint not null,             -- slices written with data
    error varchar                        -- the failure, for outcome 'failed'
);
