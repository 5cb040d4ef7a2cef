-- (Numbered 008: no issue of that number, so no migration of a parallel branch takes it.)
-- The slices every reader uses: rows whose instant and numbers are in range. Ingestion refuses
-- anything else (non-finite or negative counts, good > total, counts or values beyond 2^53
-- in magnitude, instants outside 1970-01-01 .. 2200-12-31 UTC), but a file written by an
-- older version, by hand or by another tool may hold such rows; one of them must not make the
-- month fail for every SLO. They count as no data, and `sla`, `impact` and the monthly report
-- name the series that hold them (query usable.unusable_rows).
-- 2^53 = 9007199254740992: the largest count a double holds exactly; sums of a month of such
-- counts stay finite.
create view usable_slices as
select *
from sli_slices
where ts >= '1970-01-01 00:00:00+00'::timestamptz
  and ts < '2201-01-01 00:00:00+00'::timestamptz
  and (
      (value is null
          and isfinite(good) and isfinite(total)
          and good >= 0 and good <= total and total <= 9007199254740992)
      or (good is null and total is null
          and isfinite(value) and abs(value) <= 9007199254740992)
  );

-- The incidents every reader uses: those whose present instants are all within 1970-01-01 ..
-- 2200-12-31 UTC (ingestion refuses others). One incident stamped 9999-12-31 made every
-- incident metric fail ("year 10000 is out of range"); it is now left out, as is one from year 1.
create view usable_incidents as
select *
from incidents
where detected_at >= '1970-01-01 00:00:00+00'::timestamptz
  and detected_at < '2201-01-01 00:00:00+00'::timestamptz
  and coalesce(least(started_at, acknowledged_at, mitigated_at, resolved_at, closed_at, postmortem_published_at),
               detected_at) >= '1970-01-01 00:00:00+00'::timestamptz
  and coalesce(greatest(started_at, acknowledged_at, mitigated_at, resolved_at, closed_at, postmortem_published_at),
               detected_at) < '2201-01-01 00:00:00+00'::timestamptz;
