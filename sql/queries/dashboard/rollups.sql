-- For each continuous aggregate: up to where it is materialised (its watermark; below it
-- answers come from the materialisation, above it from raw data) and its refresh job's last run.
-- A cagg with nothing materialised has the lowest timestamp as watermark (4714 BC): shown as null.
SELECT ca.view_name,
       CASE WHEN w.watermark > '0001-01-01 00:00:00+00'::timestamptz THEN w.watermark END AS materialized_until,
       js.last_successful_finish
FROM timescaledb_information.continuous_aggregates ca
JOIN _timescaledb_catalog.continuous_agg c
  ON c.user_view_schema = ca.view_schema AND c.user_view_name = ca.view_name
CROSS JOIN LATERAL (
    SELECT _timescaledb_functions.to_timestamp(
               _timescaledb_functions.cagg_watermark(c.mat_hypertable_id)) AS watermark
) AS w
LEFT JOIN timescaledb_information.jobs j
  ON j.proc_name = 'policy_refresh_continuous_aggregate'
 AND j.hypertable_schema = ca.materialization_hypertable_schema
 AND j.hypertable_name = ca.materialization_hypertable_name
LEFT JOIN timescaledb_information.job_stats js ON js.job_id = j.job_id
ORDER BY ca.view_name
