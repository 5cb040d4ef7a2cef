-- Per series (service, sli) and UTC calendar month, what the data health page shows (issue 15):
-- first and last slice, slices stored, no-data slices (usable_slices), and rows usable_slices
-- leaves out. Kept by every write (reliability.analysis.series_months) so that the page reads
-- a few rows per series instead of scanning every slice; filled here once from what is stored.
create table if not exists series_months (
    service varchar not null,
    sli varchar not null,
    month_start timestamptz not null,   -- the month's first instant, UTC
    first_slice timestamptz,            -- of the usable rows (null: none)
    last_slice timestamptz,
    slices bigint not null,             -- usable rows
    no_data_slices bigint not null,     -- usable rows without data (total null or 0, no value)
    unusable_rows bigint not null       -- rows usable_slices leaves out
);

insert into series_months
with stored as (
    select service, sli, date_trunc('month', ts) as month_start, count(*) as n
    from sli_slices
    group by service, sli, month_start
),

usable as (
    select
        service,
        sli,
        date_trunc('month', ts) as month_start,
        min(ts) as first_slice,
        max(ts) as last_slice,
        count(*) as slices,
        count(*) filter (where (total is null or total = 0) and value is null) as no_data_slices
    from usable_slices
    group by service, sli, month_start
)

select
    stored.service,
    stored.sli,
    stored.month_start,
    usable.first_slice,
    usable.last_slice,
    coalesce(usable.slices, 0) as slices,
    coalesce(usable.no_data_slices, 0) as no_data_slices,
    stored.n - coalesce(usable.slices, 0) as unusable_rows
from stored
left join usable
    on stored.service = usable.service
    and stored.sli = usable.sli
    and stored.month_start = usable.month_start;
