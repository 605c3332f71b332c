-- Back to 0010's rollups, in the kind's unit: the chain goes, and 0010_exact_values.latest.sql,
-- .rollups.sql and .policies.sql make it again.
DROP MATERIALIZED VIEW grid_1h;
DROP MATERIALIZED VIEW region_1h;
DROP MATERIALIZED VIEW series_1h;
DROP MATERIALIZED VIEW series_latest;
DO $settings$
BEGIN
    EXECUTE format('ALTER DATABASE %I RESET timescaledb.compression_batch_size_limit',
                   current_database());
    EXECUTE format('ALTER DATABASE %I RESET jit', current_database());
    EXECUTE format('ALTER DATABASE %I RESET plan_cache_mode', current_database());
END
$settings$;
