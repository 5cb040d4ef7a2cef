-- name: months_with_data
-- Every calendar month (UTC, 'YYYY-MM') that holds at least one slice, newest first.
with months as (
    select distinct strftime(date_trunc('month', ts), '%Y-%m') as month
    from sli_slices
)

select month from months order by month desc;
