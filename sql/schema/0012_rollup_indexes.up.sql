-- region_1h and grid_1h keep two indexes each: (region_id or grid_id, bucket), which every read
-- of them uses (sql/queries/rollups/cagg_total_*.sql and Grafana's dashboards filter by the
-- entity and a range of buckets), and (bucket), which refreshes and the real-time views use.
-- TimescaleDB also made one per other GROUP BY column, (kind, bucket) and (subtype, bucket):
-- no query filters by kind or subtype alone, and they are text. Every row written to a rollup's
-- rowstore paid for them, most of all a compressed chunk decompressed by a late revision's
-- refresh: decompressing a region_1h chunk of 144,000 rows took 480 ms with them, 230 ms
-- without (bench/README.md, "Rollup chunks for late revisions").
DO $drop$
DECLARE
    unused regclass;
BEGIN
    FOR unused IN
        SELECT i.indexrelid::regclass
        FROM timescaledb_information.continuous_aggregates c
        JOIN pg_index i
          ON i.indrelid = format('%I.%I', c.materialization_hypertable_schema,
                                 c.materialization_hypertable_name)::regclass
        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
        WHERE c.view_schema = current_schema()
          AND c.view_name IN ('region_1h', 'grid_1h')
          AND a.attname IN ('kind', 'subtype')
    LOOP
        EXECUTE format('DROP INDEX %s', unused);
    END LOOP;
END
$drop$;
