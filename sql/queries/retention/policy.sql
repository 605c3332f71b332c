-- The retention policy on measures as the database holds it (no row: none). `keep` is how long
-- raw data is kept, as days and seconds counted back from now (a '3 months' policy included).
SELECT j.job_id,
       now() - (now() - (j.config->>'drop_after')::interval) AS keep
FROM timescaledb_information.jobs j
WHERE j.proc_name = 'policy_retention'
  AND j.hypertable_schema = current_schema()
  AND j.hypertable_name = 'measures'
