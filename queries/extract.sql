-- Extraction from metrics backends: watermarks and the atomic replace of one chunk of slices.
-- Every chunk is written as delete_chunk + insert_chunk + set_watermark in one transaction,
-- so a run killed at any point leaves whole chunks and a watermark that matches them.

-- name: get_watermark
-- The end (exclusive) of what was extracted for one series from one source, or no row.
select until from extract_watermarks
where source = $source and service = $service and sli = $sli;

-- name: delete_chunk
-- Removes the rows of one series in [start, end) before the chunk is written again.
delete from sli_slices
where service = $service and sli = $sli and ts >= $start and ts < $end;

-- name: insert_chunk
-- Inserts the slices with data of one chunk from the registered Arrow table extract_chunk
-- (columns ts, good, total); slices without data have no row.
insert into sli_slices (service, sli, ts, good, total, value)
select $service, $sli, ts, good, total, null from extract_chunk;

-- name: insert_values_chunk
-- As insert_chunk for threshold SLIs: columns ts, value.
insert into sli_slices (service, sli, ts, good, total, value)
select $service, $sli, ts, null, null, value from extract_chunk;

-- name: set_watermark
-- Moves the watermark of one series forward (never back).
insert into extract_watermarks (source, service, sli, until, updated_at)
values ($source, $service, $sli, $until, now())
on conflict (source, service, sli) do update
set until = greatest(extract_watermarks.until, excluded.until), updated_at = now();

-- name: delete_instances_chunk
-- As delete_chunk for a per-instance SLO: the rows of every instance of the series
-- (sli = 'availability{customer="..."}' for $sli = 'availability') in [start, end).
delete from sli_slices
where service = $service
  and starts_with(sli, $sli || '{')
  and ts >= $start and ts < $end;

-- name: insert_instances_chunk
-- As insert_chunk for a per-instance SLO: extract_chunk has columns sli (the instance's key),
-- ts, good, total.
insert into sli_slices (service, sli, ts, good, total, value)
select $service, sli, ts, good, total, null from extract_chunk;
