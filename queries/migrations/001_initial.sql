-- The first schema. Every timestamp is UTC (TIMESTAMPTZ); durations are stored in seconds.

create table if not exists schema_migrations (
    version integer primary key,
    name varchar not null,
    applied_at timestamptz not null
);

-- Every applied OpenSLO document (SLO, SLI, Service, DataSource, AlertPolicy, AlertCondition),
-- as JSON, with the YAML it came from. Applying a document with an existing (kind, name)
-- replaces it.
create table openslo_objects (
    kind varchar not null,
    name varchar not null,
    spec json not null,
    source_file varchar,
    source_yaml varchar,
    applied_at timestamptz not null,
    primary key (kind, name)
);

-- One row per SLO, resolved (indicatorRef followed) and normalised.
create table slos (
    name varchar primary key,
    display_name varchar,
    description varchar,
    service varchar not null,
    sli varchar not null,
    sli_kind varchar not null,              -- 'ratio' or 'threshold'
    budgeting_method varchar not null,      -- 'Occurrences', 'Timeslices', 'RatioTimeslices'
    window_duration varchar not null,       -- as written, e.g. '1M', '28d'
    is_rolling boolean not null,
    calendar_start timestamptz,
    time_zone varchar not null,             -- IANA zone of calendar periods; 'UTC' if none
    time_slice_window_seconds integer,      -- null for Occurrences
    definition json not null,               -- the normalised SLO, indicator included
    applied_at timestamptz not null
);

-- An SLO has one or more objectives; target is a ratio in (0, 1].
create table slo_objectives (
    slo varchar not null,
    idx integer not null,
    name varchar,
    target double not null,
    time_slice_target double,               -- ratio in [0, 1]; Timeslices on ratio SLIs
    op varchar,                             -- 'lt', 'lte', 'gt', 'gte' for threshold SLIs
    value double,
    primary key (slo, idx)
);

-- One row per slice that starts at ts. Ratio SLIs fill good/total (event counts in the slice),
-- threshold SLIs fill value. No primary key on purpose: ingestion replaces rows by
-- (service, sli, ts) itself (delete + insert in one transaction), far cheaper than an index
-- over tens of millions of rows.
create table sli_slices (
    service varchar not null,
    sli varchar not null,
    ts timestamptz not null,
    good double,
    total double,
    value double
);

create table incidents (
    id varchar primary key,
    service varchar not null,
    severity varchar not null,
    title varchar,
    started_at timestamptz,
    detected_at timestamptz not null,
    acknowledged_at timestamptz,
    mitigated_at timestamptz,
    resolved_at timestamptz,
    closed_at timestamptz,
    root_cause varchar,
    postmortem_url varchar,
    postmortem_published_at timestamptz,
    customer_impact varchar,
    tags varchar[],
    source varchar,
    ingested_at timestamptz not null
);

-- Timeline entries of an incident: status changes, stakeholder updates, actions.
create table incident_updates (
    incident_id varchar not null,
    "at" timestamptz not null,
    kind varchar,
    body varchar
);

create table action_items (
    incident_id varchar not null,
    idx integer not null,
    title varchar,
    owner varchar,
    due timestamptz,
    done boolean
);

create table deployments (
    id varchar primary key,
    service varchar not null,
    deployed_at timestamptz not null,
    version varchar,
    description varchar,
    rolled_back boolean
);

-- How far each series has been extracted from each source: [.., until) is complete.
create table extract_watermarks (
    source varchar not null,
    service varchar not null,
    sli varchar not null,
    until timestamptz not null,
    updated_at timestamptz not null,
    primary key (source, service, sli)
);
