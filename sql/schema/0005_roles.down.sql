-- Undo 0005 in this database. The roles go only if no other database still grants them
-- anything (roles belong to the cluster; DROP OWNED is not used because it would also revoke
-- CONNECT on the other gridts databases of the server).
DROP FUNCTION IF EXISTS gridts_request_refresh();
DROP VIEW IF EXISTS forecast_revisions;

DO $down$
DECLARE
    rel regclass;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname IN ('gridts_grafana', 'gridts_api')) THEN
        RETURN;
    END IF;
    FOR rel IN
        SELECT c.oid::regclass
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname IN (current_schema(), '_timescaledb_internal')
          AND c.relkind IN ('r', 'v', 'm', 'S', 'p')
          AND EXISTS (SELECT FROM aclexplode(c.relacl) a
                      JOIN pg_roles r ON r.oid = a.grantee
                      WHERE r.rolname IN ('gridts_grafana', 'gridts_api'))
    LOOP
        EXECUTE format('REVOKE ALL ON %s FROM gridts_grafana, gridts_api', rel);
    END LOOP;
    REVOKE ALL ON SCHEMA public FROM gridts_grafana, gridts_api;
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM gridts_grafana, gridts_api', current_database());
    EXECUTE format('ALTER ROLE gridts_grafana IN DATABASE %I RESET ALL', current_database());
    BEGIN
        DROP ROLE gridts_grafana;
    EXCEPTION WHEN dependent_objects_still_exist THEN NULL;  -- another database uses it
    END;
    BEGIN
        DROP ROLE gridts_api;
    EXCEPTION WHEN dependent_objects_still_exist THEN NULL;
    END;
END
$down$;

-- PUBLIC's defaults back: TEMP on the database everywhere, CREATE on schema public only where
-- it was the default (before PostgreSQL 15).
DO $public$
BEGIN
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO PUBLIC', current_database());
    IF current_setting('server_version_num')::integer < 150000 THEN
        GRANT CREATE ON SCHEMA public TO PUBLIC;
    END IF;
END
$public$;
