-- Forecast error statistics of the selected series' targets in [start, end], per entity of the
-- level (a node's series, or a region's / grid's total or mean of a kind and subtype), lead, and
-- optional local-day bucket (in the entity's grid's zone, or %(timezone)s).
--
-- One scan of the revisions in range (primary key / compressed batches segmented by series),
-- each revision seeing, over its (series, target) window, when the revisions that count were
-- collected:
--   final_at: when the final was (the latest revision, or the first collected at or after the
--             target);
--   at_N:     per lead, in %(leads)s's order, the latest revision collected at or before
--             target - lead;
-- then one group per (series, target) takes the values collected then (known). TimescaleDB's
-- last(value, collected) per lead did the same in one step at twice the cost (five of them made
-- 100 of the 160 ms of one region's year; the windows take 60).
-- A missing observation has no value: a null final leaves the target out, a null forecast means
-- none was known. grouped adds both up per (group: entity, kind, subtype; target) (the forecasts
-- lead by lead, as arrays), and totals unnests the leads: sums for sum kinds, means for mean
-- kinds, so a series' forecasts are only ever compared with that series' finals; a target
-- counts at a lead only where every series with a final there also has a forecast (some series'
-- forecasts against all series' finals would measure coverage, not accuracy).
-- Values are integers of the kind's smallest unit (migration 0010): totals are exact numerics in
-- the kind's unit; a mean is the total divided by the count, as avg() computes it.
--
-- Rows are grouped and sorted by a group number (grp), not by the group's text columns: their
-- collation-aware comparisons made the two sorts over every (series, target) most of the time.
-- The text columns join back once per group at the end.
WITH members AS MATERIALIZED (
    -- the series with their entity at the level, kind, unit, aggregation and zone
    SELECT chosen.*, dense_rank() OVER (ORDER BY chosen.id, chosen.kind, chosen.subtype) AS grp
    FROM ({members}) AS chosen
), groups AS MATERIALIZED (
    SELECT grp, min(id) AS entity, min(kind) AS kind, min(subtype) AS subtype, min(unit) AS unit,
           min(tz) AS tz, bool_and(aggregation = 'mean') AS mean, min(scale) AS scale,
           min(series_id) AS series_id
    FROM members
    GROUP BY grp
), revisions AS (
    SELECT m.series_id, m.timestamp_measured AS target, m.timestamp_collected, m.value,
           {final_at} OVER series_target AS final_at,
           {forecasts_at}
    FROM measures m
    WHERE m.series_id = ANY(%(series)s::integer[])
      AND m.timestamp_measured >= %(start)s::timestamptz
      AND m.timestamp_measured <= %(end)s::timestamptz
    WINDOW series_target AS (PARTITION BY m.series_id, m.timestamp_measured)
), known AS (
    SELECT series_id, target,
           max(value) FILTER (WHERE timestamp_collected = final_at) AS final,
           ARRAY[{forecasts}] AS forecasts
    FROM revisions
    GROUP BY series_id, target
    HAVING max(value) FILTER (WHERE timestamp_collected = final_at) IS NOT NULL
), grouped AS (
    SELECT mb.grp, k.target,
           count(*) AS finals,
           sum(k.final) AS final,
           ARRAY[{forecast_sums}] AS forecasts,
           ARRAY[{forecast_counts}] AS forecast_counts
    FROM known k
    JOIN members mb USING (series_id)
    GROUP BY mb.grp, k.target
), totals AS (
    SELECT g.grp, g.target, l.lead,
           CASE WHEN gr.mean THEN g.final / g.finals ELSE g.final END / gr.scale AS final,
           CASE WHEN gr.mean THEN g.forecasts[l.slot] / g.finals
                ELSE g.forecasts[l.slot] END / gr.scale AS forecast,
           gr.tz
    FROM grouped g
    JOIN groups gr USING (grp)
    CROSS JOIN unnest(%(leads)s::interval[]) WITH ORDINALITY AS l (lead, slot)
    WHERE g.forecast_counts[l.slot] = g.finals
-- Errors in numeric: exact, and free of float8's underflow errors (a tiny error squared) and
-- overflow (a percentage of a final near 0); results are rounded back into float8's range, and a
-- MAPE beyond it is infinite (null in the answer).
), errors AS (
    SELECT grp, lead, {bucket} AS bucket,
           forecast::numeric - final::numeric AS err, final::numeric AS final
    FROM totals
), stats AS (
    SELECT grp, lead, bucket, count(*) AS count,
           avg(err) AS bias,
           avg(abs(err)) AS mae,
           sqrt(avg(err * err)) AS rmse,
           100 * avg(abs(err) / abs(final)) FILTER (WHERE final <> 0) AS mape
    FROM errors
    GROUP BY grp, lead, bucket
)
SELECT gr.entity, st.lead, st.bucket, st.count,
       round(st.bias, 330)::float8,
       round(st.mae, 330)::float8,
       round(st.rmse, 330)::float8,
       CASE WHEN st.mape >= 1.7976931348623157e308 THEN 'Infinity'::float8
            ELSE round(st.mape, 330)::float8 END,
       gr.kind, gr.subtype, gr.unit, {series_id}, gr.tz
FROM stats st
JOIN groups gr USING (grp)
ORDER BY gr.entity, gr.kind, gr.subtype NULLS FIRST, st.lead, st.bucket
LIMIT %(limit)s
