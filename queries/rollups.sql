-- Monthly SLA rollups (reliability/analysis/rollups.py): what a write touched, and the rows.

-- name: has_table
-- 1 when the sla_rollups table exists (databases migrated before it have none).
select count(*) as n
from information_schema.tables
where table_name = 'sla_rollups';

-- name: max_slice_rowid
-- The highest row id of sli_slices (-1 when empty): rows a write appends get higher ones.
select coalesce(max(rowid), -1) as max_rowid
from sli_slices;

-- name: slo_fingerprints
-- Per stored SLO, a digest of its resolved definition (its slos row and its objectives): a
-- rollup computed for another digest is stale.
with objectives as (
    select
        slo,
        string_agg(o::varchar, '|' order by idx) as text
    from slo_objectives as o
    group by slo
),

final as (
    select
        s.name,
        md5(s::varchar || coalesce(objectives.text, '')) as fingerprint
    from slos as s
    left join objectives on objectives.slo = s.name
)

select * from final;

-- name: maintenance_snapshot
-- Every stored maintenance window: what a write may have added, changed or removed.
select id, service, starts_at, ends_at
from maintenance_windows;

-- name: written_months
-- The calendar months (YYYY-MM in each listed zone) holding rows of the listed series that
-- have a row id above $since (rows this write appended, which includes every replaced key).
-- Rows are grouped by hour first; an hour is mapped to the months of its first and last
-- instant, which is exact for zones whose offsets are whole hours.
with series as (
    select
        unnest($services) as service,
        unnest($slis) as sli,
        unnest($zones) as zone
),

hours as (
    select distinct
        s.service,
        s.sli,
        date_trunc('hour', s.ts) as hour
    from sli_slices as s
    semi join series
        on s.service = series.service
        and s.sli = series.sli
    where s.rowid > $since
),

final as (
    select distinct
        hours.service,
        hours.sli,
        series.zone,
        unnest([
            strftime(timezone(series.zone, hours.hour), '%Y-%m'),
            strftime(timezone(series.zone, hours.hour + interval 1 hour - interval 1 microsecond), '%Y-%m')
        ]) as month
    from hours
    join series
        on hours.service = series.service
        and hours.sli = series.sli
)

select * from final;

-- name: instance_keys
-- Every stored instance series (service, 'sli{label="value",...}') of the listed services,
-- from the per-series months (current: series_months.refresh runs first in a write): the
-- series a grouped definition's instances may be stored under.
select distinct service, sli
from series_months
where contains(sli, '{')
  and service in (select unnest($services))
order by service, sli;

-- name: delete
-- Remove the rollups of the listed (slo, month) pairs (parallel lists).
delete from sla_rollups
using (select unnest($slos) as slo, unnest($months) as month) as gone
where sla_rollups.slo = gone.slo
  and sla_rollups.month = gone.month;

-- name: delete_slos
-- Remove every rollup of the listed SLOs.
delete from sla_rollups
where slo in (select unnest($slos));

-- name: insert
-- Append the registered Arrow table rollup_staged (the columns of sla_rollups, in order).
insert into sla_rollups
select * from rollup_staged;

-- name: for_months
-- The stored rollups of the listed months.
select *
from sla_rollups
where month in (select unnest($months));

-- name: items_delete
-- Remove the item rollups and sets of the listed (slo, month) pairs (parallel lists).
delete from sla_rollup_items
using (select unnest($slos) as slo, unnest($months) as month) as gone
where sla_rollup_items.slo = gone.slo
  and sla_rollup_items.month = gone.month;

-- name: sets_delete
delete from sla_rollup_sets
using (select unnest($slos) as slo, unnest($months) as month) as gone
where sla_rollup_sets.slo = gone.slo
  and sla_rollup_sets.month = gone.month;

-- name: items_delete_slos
-- Remove every item rollup of the listed SLOs.
delete from sla_rollup_items
where slo in (select unnest($slos));

-- name: sets_delete_slos
delete from sla_rollup_sets
where slo in (select unnest($slos));

-- name: items_insert
-- Append the registered Arrow table rollup_items_staged (the columns of sla_rollup_items).
insert into sla_rollup_items
select * from rollup_items_staged;

-- name: sets_insert
insert into sla_rollup_sets
select * from rollup_sets_staged;

-- name: items_for_months
-- The stored item rollups of the listed months.
select *
from sla_rollup_items
where month in (select unnest($months));

-- name: sets_for_months
-- The complete item sets of the listed months.
select *
from sla_rollup_sets
where month in (select unnest($months));
