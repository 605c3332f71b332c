-- A rollup's materialisation (%(view)s): its hypertable's schema and name, and its time column.
SELECT h.schema_name, h.table_name, d.column_name
FROM _timescaledb_catalog.continuous_agg a
JOIN _timescaledb_catalog.hypertable h ON h.id = a.mat_hypertable_id
JOIN _timescaledb_catalog.dimension d ON d.hypertable_id = h.id AND d.interval_length IS NOT NULL
WHERE a.user_view_schema = current_schema()
  AND a.user_view_name = %(view)s
