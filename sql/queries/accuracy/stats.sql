-- Forecast error statistics of the selected series' targets in [start, end], per entity of the
-- level (a node's series, or a region's / grid's total or mean of a kind and subtype), lead, and
-- optional local-day bucket (in the entity's grid's zone, or %(timezone)s).
--
-- One scan of the revisions in range (primary key / compressed batches segmented by series),
-- aggregated once per (series, target):
--   final:     {final} (the latest revision, or the first collected at or after the target);
--   forecasts: one per lead, in %(leads)s's order, the latest revision collected at or before
--              target - lead ({forecasts}: an aggregate per lead, so that the revisions are
--              grouped once, not once per lead).
-- A missing observation has no value: a null final leaves the target out, a null forecast means
-- none was known. grouped adds both up per (entity, kind, subtype, target) (the forecasts lead
-- by lead, as arrays), and totals unnests the leads: sums for sum kinds, means for mean kinds, so
-- a series' forecasts are only ever compared with that series' finals; a target counts at a
-- lead only where every series with a final there also has a forecast (some series' forecasts
-- against all series' finals would measure coverage, not accuracy).
-- Values are integers of the kind's smallest unit (migration 0010): totals are exact numerics in
-- the kind's unit.
WITH members AS MATERIALIZED (
    -- the series with their entity at the level, kind, unit, aggregation and zone
    {members}
), known AS (
    SELECT m.series_id,
           m.timestamp_measured AS target,
           {final} AS final,
           ARRAY[{forecasts}] AS forecasts
    FROM measures m
    WHERE m.series_id = ANY(%(series)s::integer[])
      AND m.timestamp_measured >= %(start)s::timestamptz
      AND m.timestamp_measured <= %(end)s::timestamptz
    GROUP BY m.series_id, m.timestamp_measured
    HAVING {final} IS NOT NULL
), grouped AS (
    SELECT mb.id AS entity, mb.kind, mb.subtype, mb.unit, mb.tz, mb.aggregation, mb.scale,
           k.target,
           min(mb.series_id) AS series_id,
           count(*) AS finals,
           CASE WHEN mb.aggregation = 'mean' THEN avg(k.final) ELSE sum(k.final) END AS final,
           ARRAY[{forecast_totals}] AS forecasts,
           ARRAY[{forecast_counts}] AS forecast_counts
    FROM known k
    JOIN members mb USING (series_id)
    GROUP BY mb.id, mb.kind, mb.subtype, mb.unit, mb.tz, mb.aggregation, mb.scale, k.target
), totals AS (
    SELECT g.entity, g.kind, g.subtype, g.unit, g.tz, g.target, l.lead, g.series_id,
           g.final / g.scale AS final,
           g.forecasts[l.slot] / g.scale AS forecast
    FROM grouped g
    CROSS JOIN unnest(%(leads)s::interval[]) WITH ORDINALITY AS l (lead, slot)
    WHERE g.forecast_counts[l.slot] = g.finals
-- Errors in numeric: exact, and free of float8's underflow errors (a tiny error squared) and
-- overflow (a percentage of a final near 0); results are rounded back into float8's range, and a
-- MAPE beyond it is infinite (null in the answer).
), errors AS (
    SELECT entity, kind, subtype, unit, tz, {series_id} AS series_id, lead, {bucket} AS bucket,
           forecast::numeric - final::numeric AS err, final::numeric AS final
    FROM totals
), stats AS (
    SELECT entity, kind, subtype, unit, tz, series_id, lead, bucket, count(*) AS count,
           avg(err) AS bias,
           avg(abs(err)) AS mae,
           sqrt(avg(err * err)) AS rmse,
           100 * avg(abs(err) / abs(final)) FILTER (WHERE final <> 0) AS mape
    FROM errors
    GROUP BY entity, kind, subtype, unit, tz, series_id, lead, bucket
)
SELECT entity, lead, bucket, count,
       round(bias, 330)::float8,
       round(mae, 330)::float8,
       round(rmse, 330)::float8,
       CASE WHEN mape >= 1.7976931348623157e308 THEN 'Infinity'::float8
            ELSE round(mape, 330)::float8 END,
       kind, subtype, unit, series_id, tz
FROM stats
ORDER BY entity, kind, subtype NULLS FIRST, lead, bucket
LIMIT %(limit)s
