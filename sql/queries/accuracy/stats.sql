-- Forecast error statistics of the selected nodes' targets in [start, end], per entity of the
-- level (a node, or a region's / grid's total), lead, and optional day bucket.
--
-- One scan of the revisions in range (primary key / compressed batches by node), then:
--   finals:    per (node, target) the final value: {final_order} picks the latest revision, or
--              the first one collected at or after the target ({final_filter});
--   forecasts: per (node, target, lead) the latest revision collected at or before target - lead;
--   totals:    per (entity, target, lead) the sums of finals and forecasts, kept only where every
--              node with a final at that target also has a forecast (a total of some nodes'
--              forecasts against all nodes' finals would be an error of coverage, not accuracy).
WITH leads AS (
    SELECT lead FROM unnest(%(leads)s::interval[]) AS lead
), members AS (
    SELECT n.id AS node_id, {entity} AS entity
    FROM grid_node n JOIN grid_region r ON r.id = n.region_id
    WHERE n.id = ANY(%(nodes)s::integer[])
), revisions AS (
    SELECT m.node_id, m.timestamp_measured AS target, m.timestamp_collected AS collected, m.value
    FROM measures m
    WHERE m.node_id = ANY(%(nodes)s::integer[])
      AND m.timestamp_measured >= %(start)s::timestamptz
      AND m.timestamp_measured <= %(end)s::timestamptz
), finals AS (
    SELECT DISTINCT ON (node_id, target) node_id, target, value AS final
    FROM revisions
    WHERE {final_filter}
    ORDER BY node_id, target, collected {final_order}
), forecasts AS (
    SELECT DISTINCT ON (r.node_id, r.target, l.lead) r.node_id, r.target, l.lead, r.value AS forecast
    FROM revisions r JOIN leads l ON r.collected <= r.target - l.lead
    ORDER BY r.node_id, r.target, l.lead, r.collected DESC
), totals AS (
    SELECT mb.entity, f.target, l.lead, sum(f.final) AS final, sum(fc.forecast) AS forecast
    FROM finals f
    JOIN members mb USING (node_id)
    CROSS JOIN leads l
    LEFT JOIN forecasts fc ON fc.node_id = f.node_id AND fc.target = f.target AND fc.lead = l.lead
    GROUP BY mb.entity, f.target, l.lead
    HAVING count(*) = count(fc.forecast)
-- Errors in numeric: exact, and free of float8's underflow errors (a tiny error squared) and
-- overflow (a percentage of a final near 0); results are rounded back into float8's range, and a
-- MAPE beyond it is infinite (null in the answer).
), errors AS (
    SELECT entity, lead, {bucket} AS bucket,
           forecast::numeric - final::numeric AS err, final::numeric AS final
    FROM totals
), stats AS (
    SELECT entity, lead, bucket, count(*) AS count,
           avg(err) AS bias,
           avg(abs(err)) AS mae,
           sqrt(avg(err * err)) AS rmse,
           100 * avg(abs(err) / abs(final)) FILTER (WHERE final <> 0) AS mape
    FROM errors
    GROUP BY entity, lead, bucket
)
SELECT entity, lead, bucket, count,
       round(bias, 330)::float8,
       round(mae, 330)::float8,
       round(rmse, 330)::float8,
       CASE WHEN mape >= 1.7976931348623157e308 THEN 'Infinity'::float8
            ELSE round(mape, 330)::float8 END
FROM stats
ORDER BY entity, lead, bucket
