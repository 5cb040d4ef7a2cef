-- Incident analytics (issue 5): the owning team of an incident, and where an imported incident
-- came from (vendor and the vendor's own id, e.g. PagerDuty incident id or incident.io reference).
alter table incidents add column team varchar;
alter table incidents add column vendor varchar;
alter table incidents add column vendor_id varchar;
