-- Latency histograms (issue 4, item 6): one row per bucket per slice, Prometheus-style
-- cumulative buckets: count = observations <= le in the slice that starts at ts (UTC);
-- le = 'Infinity' is the +Inf bucket (every observation of the slice). Like sli_slices, no
-- primary key: ingestion replaces whole slices by (service, sli, ts) itself.
create table histogram_slices (
    service varchar not null,
    sli varchar not null,
    ts timestamptz not null,
    le double not null,
    count double not null
);
