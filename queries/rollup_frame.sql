-- Monthly SLA rollups read many at once (reliability/analysis/rollup_frame.py) and for a few
-- SLOs (reliability/analysis/rollups.py monthly_by_slo).

-- name: stored
-- The stored rollups of the listed months, as the frame needs them: the period's bounds as
-- microseconds since the epoch (compared with the expected period without a datetime per row).
select
    slo,
    idx,
    month,
    fingerprint,
    epoch_us(period_start) as start_us,
    epoch_us(period_end) as end_us,
    slices_with_data,
    good_slices,
    sum_good,
    sum_total,
    sum_ratio,
    excluded_slices,
    maintenance_windows,
    last_slice
from sla_rollups
where month in (select unnest($months));

-- name: rows_of
-- The stored rollups of the listed months and SLOs.
select *
from sla_rollups
where
    month in (select unnest($months))
    and slo in (select unnest($slos));
