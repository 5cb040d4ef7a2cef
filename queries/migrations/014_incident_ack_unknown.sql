-- Vendor imports (issue 14): an incident whose acknowledgement cannot be known (e.g. a resolved
-- PagerDuty incident imported without its log entries, whose acknowledgements list PagerDuty
-- empties on resolution). Such an incident is neither a met nor a missed response target.
alter table incidents add column ack_unknown boolean not null default false;
