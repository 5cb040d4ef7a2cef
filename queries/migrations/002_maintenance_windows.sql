-- Declared maintenance windows (issue 4, item 7): [starts_at, ends_at) in UTC. A window with
-- service null applies to every service. SLA periods leave out the slices a window overlaps.
create table maintenance_windows (
    id varchar primary key,
    service varchar,
    starts_at timestamptz not null,
    ends_at timestamptz not null,
    description varchar
);
