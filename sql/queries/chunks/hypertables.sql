-- The hypertables whose chunk interval follows the data: measures, then every continuous
-- aggregate's materialisation (named by the view, which set_chunk_time_interval takes), with
-- the time column and the interval of each, and the rollup's view (NULL for measures).
SELECT d.hypertable_schema, d.hypertable_name, d.column_name, d.time_interval,
       CASE WHEN c.view_name IS NULL THEN format('%I.%I', d.hypertable_schema, d.hypertable_name)
            ELSE format('%I.%I', c.view_schema, c.view_name) END AS relation,
       c.view_name AS rollup
FROM timescaledb_information.dimensions d
LEFT JOIN timescaledb_information.continuous_aggregates c
       ON c.materialization_hypertable_schema = d.hypertable_schema
      AND c.materialization_hypertable_name = d.hypertable_name
WHERE d.dimension_number = 1
  AND d.time_interval IS NOT NULL
  AND (d.hypertable_schema = current_schema() OR c.view_schema = current_schema())
ORDER BY c.view_name IS NOT NULL, d.hypertable_name
