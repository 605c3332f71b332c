-- Forecast error statistics of the selected series' targets in [start, end], per entity of the
-- level (a node's series, or a region's / grid's total or mean of a kind and subtype), lead, and
-- optional local-day bucket (in the entity's grid's zone, or %(timezone)s).
--
-- One scan of the revisions in range (primary key / compressed batches segmented by series),
-- crossed with the few leads and hash-aggregated once per (series, target, lead):
--   final:    {final} (the latest revision, or the first collected at or after the target);
--   forecast: the latest revision collected at or before target - lead.
-- A missing observation has no value: a null final leaves the target out, a null forecast means
-- none was known. totals adds both up per (entity, kind, subtype, target, lead) for sum kinds
-- and averages them for mean kinds, so a series' forecasts are only ever compared with that
-- series' finals; a target counts only where every series with a final there also has a forecast
-- (some series' forecasts against all series' finals would measure coverage, not accuracy).
-- Values are integers of the kind's smallest unit (migration 0010): totals are exact numerics in
-- the kind's unit.
WITH leads AS MATERIALIZED (
    SELECT lead FROM unnest(%(leads)s::interval[]) AS lead
), members AS MATERIALIZED (
    -- the series with their entity at the level, kind, unit, aggregation and zone
    {members}
), known AS (
    SELECT m.series_id,
           m.timestamp_measured AS target,
           l.lead,
           {final} AS final,
           last(m.value, m.timestamp_collected)
               FILTER (WHERE m.timestamp_collected <= m.timestamp_measured - l.lead) AS forecast
    FROM measures m
    CROSS JOIN leads l
    WHERE m.series_id = ANY(%(series)s::integer[])
      AND m.timestamp_measured >= %(start)s::timestamptz
      AND m.timestamp_measured <= %(end)s::timestamptz
    GROUP BY m.series_id, m.timestamp_measured, l.lead
), totals AS (
    SELECT mb.id AS entity, mb.kind, mb.subtype, mb.unit, mb.tz, k.target, k.lead,
           min(mb.series_id) AS series_id,
           CASE WHEN mb.aggregation = 'mean' THEN avg(k.final) ELSE sum(k.final) END
               / kd.scale AS final,
           CASE WHEN mb.aggregation = 'mean' THEN avg(k.forecast) ELSE sum(k.forecast) END
               / kd.scale AS forecast
    FROM known k
    JOIN members mb USING (series_id)
    JOIN kind kd ON kd.name = mb.kind
    WHERE k.final IS NOT NULL
    GROUP BY mb.id, mb.kind, mb.subtype, mb.unit, mb.aggregation, mb.tz, kd.scale, k.target,
             k.lead
    HAVING count(*) = count(k.forecast)
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
