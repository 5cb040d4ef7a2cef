-- Ingestion: parsing fallbacks and diagnostics for SLI series, and the writes of every ingester.
-- Relations named ingest_* are Arrow tables the Python side registers for one statement.

-- name: parse_timestamps
-- Returns (rn, ts) for each row of ingest_raw (rn, txt): ts is the UTC instant of txt when it is
-- ISO 8601 with Z or an offset ($iso) or epoch seconds ($epoch, exact to the microsecond), else
-- null. Ordered by rn, so the result lines up with the input.
with src as (
    select rn, trim(txt) as txt
    from ingest_raw
),

final as (
    select
        rn,
        case
            when regexp_full_match(txt, $epoch)
                then make_timestamp(try_cast(try_cast(txt as decimal(38, 6)) * 1000000 as bigint))::timestamptz
            when regexp_full_match(txt, $iso)
                then try_cast(txt as timestamptz)
        end as ts
    from src
)

select * from final order by rn

-- name: parse_numbers
-- Returns (rn, x) for each row of ingest_raw (rn, txt): x is txt as a double (surrounding
-- blanks allowed), or null when txt is not a number. Ordered by rn.
with final as (
    select rn, try_cast(trim(txt) as double) as x
    from ingest_raw
)

select * from final order by rn

-- name: max_slice_rowid
-- Returns the highest rowid in sli_slices (-1 when empty). Rows appended later in the same
-- transaction get higher row ids, which is how a call tells its own rows from older ones.
with final as (
    select coalesce(max(rowid), -1) as max_rowid
    from sli_slices
)

select * from final

-- name: staged_bounds
-- Returns (service, sli, lo, hi): the first and last slice start per series in ingest_staged.
with final as (
    select service, sli, min(ts) as lo, max(ts) as hi
    from ingest_staged
    group by service, sli
)

select * from final

-- name: delete_replaced_slices
-- Deletes the slices stored before this call (rowid <= ingest_bounds.max_old) that rows of
-- ingest_staged replace (same service, sli and ts), looking only inside each series' [lo, hi]
-- of ingest_bounds. Returns the deleted count.
delete from sli_slices
where rowid in (
    with candidates as (
        select s.rowid as rid, s.service, s.sli, s.ts
        from sli_slices as s
        inner join ingest_bounds as b
            on s.service = b.service and s.sli = b.sli and s.ts between b.lo and b.hi
        where s.rowid <= b.max_old
    ),

    final as (
        select c.rid
        from candidates as c
        semi join ingest_staged as n
            on c.service = n.service and c.sli = n.sli and c.ts = n.ts
    )

    select rid from final
)

-- name: first_repeated_slice
-- Returns (service, sli, ts) of the first key that rows appended by this call
-- (rowid > ingest_bounds.max_old) hold twice, within the series and spans of ingest_bounds; no
-- row if none.
with appended as (
    select s.service, s.sli, s.ts
    from sli_slices as s
    inner join ingest_bounds as b
        on s.service = b.service and s.sli = b.sli and s.ts between b.lo and b.hi
    where s.rowid > b.max_old
),

final as (
    select service, sli, ts
    from appended
    group by service, sli, ts
    having count(*) > 1
)

select * from final order by service, sli, ts limit 1

-- name: insert_slices
-- Appends ingest_staged to sli_slices in its order (grouped by series, ts ascending).
insert into sli_slices (service, sli, ts, good, total, value)
select service, sli, ts, good, total, value
from ingest_staged

-- name: insert_slices_sorted
-- Appends ingest_staged to sli_slices ordered by service, sli, ts.
insert into sli_slices (service, sli, ts, good, total, value)
select service, sli, ts, good, total, value
from ingest_staged
order by service, sli, ts

-- name: delete_incidents
-- Deletes the incidents whose id is in ingest_ids (id) and, of the incidents whose record
-- carries a timeline (ingest_timeline_ids), the entries an incident record gave before (origin
-- 'incident'); what `ingest updates` and `ingest action-items` stored is kept.
delete from incident_updates
where origin = 'incident' and incident_id in (select id from ingest_timeline_ids);
delete from incidents where id in (select id from ingest_ids)

-- name: insert_incidents
-- Appends the rows of ingest_incidents, stamped with the ingestion time.
insert into incidents (
    id, service, severity, title, started_at, detected_at, acknowledged_at, mitigated_at,
    resolved_at, closed_at, root_cause, postmortem_url, postmortem_published_at,
    customer_impact, tags, source, ingested_at
)
select
    id, service, severity, title, started_at, detected_at, acknowledged_at, mitigated_at,
    resolved_at, closed_at, root_cause, postmortem_url, postmortem_published_at,
    customer_impact, tags, source, now()
from ingest_incidents

-- name: insert_incident_updates
-- Appends the timeline entries of ingest_updates (incident_id, at, kind, body) as origin
-- 'incident', except those whose key (incident_id, at, kind) a stored entry holds (one
-- ingested on its own wins: re-ingesting the incident file must not undo it).
insert into incident_updates (incident_id, "at", kind, body, origin)
select n.incident_id, n."at", n.kind, n.body, 'incident'
from ingest_updates as n
where not exists (
    select 1
    from incident_updates as u
    where u.incident_id = n.incident_id
        and u."at" = n."at"
        and u.kind is not distinct from n.kind
)

-- name: delete_dropped_action_items
-- Deletes the action items an incident record gave before (origin 'incident') of the incidents
-- in ingest_action_ids whose record no longer lists that title in ingest_action_rows.
delete from action_items
where origin = 'incident'
    and incident_id in (select id from ingest_action_ids)
    and not exists (
        select 1
        from ingest_action_rows as n
        where n.incident_id = action_items.incident_id and n.title = action_items.title
    )

-- name: upsert_deployments
-- Replaces the deployments whose id is in ingest_deployments, then appends them all.
delete from deployments where id in (select id from ingest_deployments);
insert into deployments (id, service, deployed_at, version, description, rolled_back)
select id, service, deployed_at, version, description, rolled_back
from ingest_deployments

-- name: delete_incident_rows
-- Deletes the incidents whose id is in ingest_ids (id) but keeps their timeline and action
-- items: vendor imports replace the incident, not what was ingested about it separately.
delete from incidents where id in (select id from ingest_ids)

-- name: known_incident_ids
-- Returns (id) for each distinct id of ingest_ref_ids (id) that is a stored incident.
with refs as (
    select distinct id
    from ingest_ref_ids
),

final as (
    select r.id
    from refs as r
    semi join incidents as i on i.id = r.id
)

select * from final

-- name: replace_updates
-- Replaces timeline entries by key (incident_id, at, kind) with the rows of ingest_update_rows
-- (incident_id, at, kind, body): deletes stored entries with a staged key, then appends all
-- (origin 'updates', so re-ingesting the incident file leaves them alone).
delete from incident_updates
where exists (
    select 1
    from ingest_update_rows as n
    where n.incident_id = incident_updates.incident_id
        and n."at" = incident_updates."at"
        and n.kind is not distinct from incident_updates.kind
);
insert into incident_updates (incident_id, "at", kind, body, origin)
select incident_id, "at", kind, body, 'updates'
from ingest_update_rows

-- name: upsert_action_items
-- Upserts ingest_action_rows (incident_id, title, owner, due, done, ord, origin) by
-- (incident_id, title); a new item is appended after the incident's highest idx, in file order
-- (ord). From `ingest action-items` (origin 'action-items'), a stored item with that title gets
-- the new owner, due and done (keeping its idx) and becomes that command's, so re-ingesting the
-- incident file leaves it alone. From an incident record (origin 'incident'), only an item an
-- incident record gave is updated: one stored on its own wins.
update action_items
set owner = n.owner, due = n.due, done = n.done, origin = n.origin
from ingest_action_rows as n
where action_items.incident_id = n.incident_id
    and action_items.title = n.title
    and (n.origin = 'action-items' or action_items.origin is not distinct from n.origin);
insert into action_items (incident_id, idx, title, owner, due, done, origin)
with new_rows as (
    select n.*
    from ingest_action_rows as n
    anti join action_items as a on a.incident_id = n.incident_id and a.title = n.title
),

tops as (
    select incident_id, max(idx) as top_idx
    from action_items
    group by incident_id
),

final as (
    select
        n.incident_id,
        coalesce(t.top_idx, 0) + row_number() over (partition by n.incident_id order by n.ord) as idx,
        n.title,
        n.owner,
        n.due,
        n.done,
        n.origin
    from new_rows as n
    left join tops as t on t.incident_id = n.incident_id
)

select incident_id, idx, title, owner, due, done, origin from final
