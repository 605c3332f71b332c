-- Two login roles with the least they need: gridts_grafana reads the dashboards' relations,
-- gridts_api runs the service. Roles belong to the cluster, not to this database: they are
-- created only when missing (other gridts databases on the server share them), and every grant
-- below is per database. The migration itself runs as the schema owner and stays the owner.

-- Concurrent migrations of two databases may both see a role missing: the loser's CREATE fails
-- with duplicate_object or unique_violation, and the role is there all the same.
DO $roles$
BEGIN
    BEGIN
        CREATE ROLE gridts_grafana NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
    BEGIN
        CREATE ROLE gridts_api NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
END
$roles$;

-- Passwords come from Settings (GRIDTS_GRAFANA_PASSWORD, GRIDTS_API_PASSWORD) as transaction-
-- local settings, so no password text is ever part of a DO body; unset leaves the role as it is
-- (NOLOGIN when this migration created it; another database's migration may have set one).
SELECT set_config('gridts.grafana_password', coalesce({grafana_password}, ''), true),
       set_config('gridts.api_password', coalesce({api_password}, ''), true);
DO $passwords$
DECLARE
    secret text;
BEGIN
    secret := nullif(current_setting('gridts.grafana_password'), '');
    IF secret IS NOT NULL THEN
        EXECUTE format('ALTER ROLE gridts_grafana LOGIN PASSWORD %L', secret);
    END IF;
    secret := nullif(current_setting('gridts.api_password'), '');
    IF secret IS NOT NULL THEN
        EXECUTE format('ALTER ROLE gridts_api LOGIN PASSWORD %L', secret);
    END IF;
END
$passwords$;
SELECT set_config('gridts.grafana_password', '', true), set_config('gridts.api_password', '', true);

-- What PUBLIC gets by default would reach gridts_grafana too: temporary tables (PUBLIC has TEMP
-- on every database) and, before PostgreSQL 15, CREATE on schema public. Only the owner and
-- gridts_api keep TEMP here (ingest stages each batch in a temporary table).
DO $database$
BEGIN
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO gridts_grafana, gridts_api', current_database());
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO gridts_api', current_database());
    -- Grafana runs what a dashboard editor types: a read-only default makes a stray write fail
    -- even before privileges are checked.
    EXECUTE format('ALTER ROLE gridts_grafana IN DATABASE %I SET default_transaction_read_only = on',
                   current_database());
END
$database$;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO gridts_grafana, gridts_api;

-- Dashboard 3 (forecast evolution) needs every revision of a target. Grafana reads them through
-- this view, never the table: the view runs with its owner's rights, so gridts_grafana needs no
-- privilege on measures (nor on its chunks in _timescaledb_internal).
CREATE VIEW forecast_revisions AS
SELECT node_id,
       timestamp_measured AS target,
       timestamp_collected AS collected,
       value
FROM measures;

GRANT SELECT ON grid, grid_region, grid_node, forecast_revisions,
                node_latest, node_1h, node_1d, region_1h, region_1d, grid_1h, grid_1d
    TO gridts_grafana;

GRANT SELECT, INSERT, UPDATE, DELETE ON grid, grid_region, grid_node TO gridts_api;
GRANT SELECT, INSERT, DELETE ON measures, rollup_refresh_queue TO gridts_api;
GRANT SELECT ON node_latest, node_1h, node_1d, region_1h, region_1d, grid_1h, grid_1d,
                forecast_revisions
    TO gridts_api;
GRANT USAGE ON SEQUENCE grid_id_seq, grid_region_id_seq, grid_node_id_seq,
                        rollup_refresh_queue_id_seq
    TO gridts_api;

-- TimescaleDB copies a grant on a continuous aggregate to its internals: the materialisation
-- hypertable and the partial and direct views in _timescaledb_internal. Selecting the aggregate
-- needs none of them (its view reads them with the owner's rights), so take them back; chunks
-- created later inherit the hypertable's (now clean) privileges.
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
        UNION ALL
        SELECT chunk
        FROM _timescaledb_catalog.continuous_agg c
        JOIN _timescaledb_catalog.hypertable h ON h.id = c.mat_hypertable_id
        CROSS JOIN LATERAL show_chunks(format('%I.%I', h.schema_name, h.table_name)::regclass)
            AS chunk
        WHERE c.user_view_schema = current_schema()
    LOOP
        EXECUTE format('REVOKE ALL ON %s FROM gridts_grafana, gridts_api', rel);
    END LOOP;
END
$internals$;
