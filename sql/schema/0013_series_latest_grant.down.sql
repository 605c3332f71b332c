-- gridts_api reads series_latest through its view alone again.
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
    EXECUTE format('REVOKE SELECT ON %s FROM gridts_api', materialisation);
END
$grant$;
