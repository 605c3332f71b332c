-- After 0007's downgrade and 0003's aggregates: 0005's view and grants over them again.
CREATE VIEW forecast_revisions AS
SELECT node_id,
       timestamp_measured AS target,
       timestamp_collected AS collected,
       value
FROM measures;

GRANT SELECT ON forecast_revisions, node_latest, node_1h, node_1d, region_1h, region_1d,
                grid_1h, grid_1d
    TO gridts_grafana, gridts_api;

DO $internals$
DECLARE
    rel regclass;
BEGIN
    FOR rel IN
        SELECT format('%I.%I', h.schema_name, h.table_name)::regclass
        FROM _timescaledb_catalog.continuous_agg c
        JOIN _timescaledb_catalog.hypertable h ON h.id = c.mat_hypertable_id
        WHERE c.user_view_schema = current_schema()
        UNION ALL
        SELECT format('%I.%I', c.partial_view_schema, c.partial_view_name)::regclass
        FROM _timescaledb_catalog.continuous_agg c WHERE c.user_view_schema = current_schema()
        UNION ALL
        SELECT format('%I.%I', c.direct_view_schema, c.direct_view_name)::regclass
        FROM _timescaledb_catalog.continuous_agg c WHERE c.user_view_schema = current_schema()
    LOOP
        EXECUTE format('REVOKE ALL ON %s FROM gridts_grafana, gridts_api', rel);
    END LOOP;
END
$internals$;

INSERT INTO rollup_refresh_queue (window_start, window_end)
SELECT date_trunc('day', lo, 'UTC'), date_trunc('day', hi, 'UTC') + INTERVAL '1 day'
FROM (SELECT min(timestamp_measured) AS lo, max(timestamp_measured) AS hi FROM measures) AS r
WHERE lo IS NOT NULL;
