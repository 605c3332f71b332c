-- Forecast error statistics of the selected nodes' targets in [start, end], per entity of the
-- level (a node, or a region's / grid's total), lead, and optional day bucket.
--
-- One scan of the revisions in range (primary key / compressed batches segmented by node),
-- crossed with the few leads and hash-aggregated once per (node, target, lead):
--   final:    {final} (the latest revision, or the first collected at or after the target);
--   forecast: the latest revision collected at or before target - lead.
-- totals sums both per (entity, target, lead), keeping a target only where every node with a
-- final there also has a forecast (some nodes' forecasts against all nodes' finals would measure
-- coverage, not accuracy).
WITH leads AS MATERIALIZED (
    SELECT lead FROM unnest(%(leads)s::interval[]) AS lead
), members AS MATERIALIZED (
    SELECT n.id AS node_id, {entity} AS entity
    FROM grid_node n JOIN grid_region r ON r.id = n.region_id
    WHERE n.id = ANY(%(nodes)s::integer[])
), known AS (
    SELECT m.node_id,
           m.timestamp_measured AS target,
           l.lead,
           {final} AS final,
           last(m.value, m.timestamp_collected)
               FILTER (WHERE m.timestamp_collected <= m.timestamp_measured - l.lead) AS forecast
    FROM measures m
    CROSS JOIN leads l
    WHERE m.node_id = ANY(%(nodes)s::integer[])
      AND m.timestamp_measured >= %(start)s::timestamptz
      AND m.timestamp_measured <= %(end)s::timestamptz
    GROUP BY m.node_id, m.timestamp_measured, l.lead
), totals AS (
    SELECT mb.entity, k.target, k.lead, sum(k.final) AS final, sum(k.forecast) AS forecast
    FROM known k
    JOIN members mb USING (node_id)
    WHERE k.final IS NOT NULL
    GROUP BY mb.entity, k.target, k.lead
    HAVING count(*) = count(k.forecast)
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
