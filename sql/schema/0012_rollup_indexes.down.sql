-- The indexes 0012 dropped, as TimescaleDB made them with region_1h and grid_1h.
DO $create$
DECLARE
    materialised regclass;
BEGIN
    FOR materialised IN
        SELECT format('%I.%I', materialization_hypertable_schema,
                      materialization_hypertable_name)::regclass
        FROM timescaledb_information.continuous_aggregates
        WHERE view_schema = current_schema() AND view_name IN ('region_1h', 'grid_1h')
    LOOP
        EXECUTE format('CREATE INDEX ON %s (kind, bucket DESC)', materialised);
        EXECUTE format('CREATE INDEX ON %s (subtype, bucket DESC)', materialised);
    END LOOP;
END
$create$;
