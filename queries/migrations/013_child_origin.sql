-- Where each timeline entry and action item came from: 'incident' when an incident record of
-- `ingest incidents` carried it (its `timeline` / `action_items` list), 'updates' or
-- 'action-items' when its own command ingested it. Rows stored before this column existed stay
-- null and count as ingested on their own, so re-ingesting an incident never deletes them.
-- (Numbered 013, after its issue, so that migrations added on parallel branches never collide.)
alter table incident_updates add column origin varchar;
alter table action_items add column origin varchar;
