-- Declared maintenance windows: writes of `ingest maintenance` and reads of `sla`.

-- name: upsert
-- Replaces the windows whose id is in ingest_maintenance (an Arrow table registered for one
-- statement), then appends them all.
delete from maintenance_windows where id in (select id from ingest_maintenance);
insert into maintenance_windows (id, service, starts_at, ends_at, description)
select id, service, starts_at, ends_at, description
from ingest_maintenance

-- name: overlapping
-- Returns (id, service, starts_at, ends_at, description) of every window that overlaps
-- [$start, $end) (start inclusive, end exclusive), service null meaning all services,
-- ordered by start then id.
with final as (
    select id, service, starts_at, ends_at, description
    from maintenance_windows
    where starts_at < $end
      and ends_at > $start
)

select * from final order by starts_at, id
