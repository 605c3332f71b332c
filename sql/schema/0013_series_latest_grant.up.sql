-- gridts_api may read series_latest's materialisation hypertable, as TimescaleDB's catalog names
-- it now (sql/queries/measures/fresh.sql checks the privilege before each big latest read).
DO $grant$
DECLARE
    materialisation text;
BEGIN
    SELECT format('%I.%I', c.materialization_hypertable_schema,
                  c.materialization_hypertable_name)
      INTO STRICT materialisation
      FROM timescaledb_information.continuous_aggregates c
     WHERE c.view_schema = current_schema()
       AND c.view_name = 'series_latest';
    EXECUTE format('GRANT SELECT ON %s TO gridts_api', materialisation);
END
$grant$;
