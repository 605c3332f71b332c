-- Forecast error statistics of the selected series' targets in [start, end], per entity of the
-- level (a node's series, or a region's / grid's total or mean of a kind and subtype), lead, and
-- optional local-day bucket (in the entity's grid's zone, or %(timezone)s).
--
-- One scan of the revisions in range (primary key / compressed batches segmented by series),
-- each revision seeing, in its (series, target) window ordered by collection time, when the
-- revisions next to it were collected (after, and before when the final is the
-- first revision at or after the target). One group per (series, target) (known) then takes the
-- final (the latest revision, or the first collected at or after the target) and,
-- per lead, the forecast: the revision collected at or before target - lead whose successor,
-- if any, came after that (f_1 .. f_N; %(leads)s are in microseconds, made intervals of time
-- only, so that subtracting them from a timestamp never goes through the calendar).
-- A missing observation has no value: a null final leaves the target out, a null forecast means
-- none was known. grouped adds both up per (group: entity, kind, subtype; target) and totals
-- takes each lead in turn: a target counts at a lead only where every series with a final there
-- also has a forecast (some series' forecasts against all series' finals would measure
-- coverage, not accuracy).
--
-- The statistics are exact until the last step. Values are integers of the kind's smallest unit
-- (migration 0010), so a total's error (forecast - final, diff) is an integer; a mean kind's is
-- that over the number of series (divisor). sums adds up the integers per divisor (count, sum,
-- sum of absolute values, sum of squares); stats divides each by its divisor (or its square) at
-- 40 decimal places, and the answer's columns divide by the count and the kind's scale, also at
-- 40 places or more, before rounding once to float8. The percentage error of a target is
-- |diff| / |final| whatever the divisor or scale (both cancel), one numeric division per target
-- and lead; it is finite, since a final that is not 0 is at least one unit.
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
    SELECT m.series_id, m.timestamp_measured AS target, m.timestamp_collected AS collected,
           m.value, {neighbours}
    FROM measures m
    WHERE m.series_id = ANY(%(series)s::integer[])
      AND m.timestamp_measured >= %(start)s::timestamptz
      AND m.timestamp_measured <= %(end)s::timestamptz
    WINDOW series_target AS (
        PARTITION BY m.series_id, m.timestamp_measured ORDER BY m.timestamp_collected
    )
), known AS (
    SELECT series_id, target,
           max(value) FILTER (WHERE {is_final}) AS final,
           {forecasts}
    FROM revisions
    GROUP BY series_id, target
    HAVING max(value) FILTER (WHERE {is_final}) IS NOT NULL
), grouped AS (
    SELECT mb.grp, k.target,
           count(*) AS finals,
           sum(k.final) AS final,
           {forecast_sums}
    FROM known k
    JOIN members mb USING (series_id)
    GROUP BY mb.grp, k.target
), totals AS (
    SELECT g.grp, l.lead, {bucket} AS bucket,
           CASE WHEN gr.mean THEN g.finals ELSE 1 END AS divisor,
           l.forecast - g.final AS diff, g.final
    FROM grouped g
    JOIN groups gr USING (grp)
    CROSS JOIN LATERAL (VALUES {slots}) AS l (lead, forecast, forecasts)
    WHERE l.forecasts = g.finals
), sums AS (
    SELECT grp, lead, bucket, divisor, count(*) AS count,
           sum(diff) AS diffs, sum(abs(diff)) AS absolute, sum(diff * diff) AS squares,
           sum(abs(diff) / abs(final)) FILTER (WHERE final <> 0) AS ratios,
           count(*) FILTER (WHERE final <> 0) AS ratio_count
    FROM totals
    GROUP BY grp, lead, bucket, divisor
), stats AS (
    SELECT grp, lead, bucket, sum(count)::bigint AS count,
           sum(round(diffs, 40) / divisor) AS diffs,
           sum(round(absolute, 40) / divisor) AS absolute,
           sum(round(squares, 40) / (divisor * divisor)) AS squares,
           sum(ratios) AS ratios, sum(ratio_count) AS ratio_count
    FROM sums
    GROUP BY grp, lead, bucket
)
SELECT gr.entity, st.lead, st.bucket, st.count,
       (st.diffs / st.count / gr.scale)::float8,
       (st.absolute / st.count / gr.scale)::float8,
       (sqrt(st.squares / st.count) / gr.scale)::float8,
       (100 * st.ratios / nullif(st.ratio_count, 0))::float8,
       gr.kind, gr.subtype, gr.unit, {series_id}, gr.tz
FROM stats st
JOIN groups gr USING (grp)
ORDER BY gr.entity, gr.kind, gr.subtype NULLS FIRST, st.lead, st.bucket
LIMIT %(limit)s
