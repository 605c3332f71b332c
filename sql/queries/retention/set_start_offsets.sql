-- How far back every refresh policy of the rollups (every continuous aggregate of the schema)
-- reaches: never past the raw data retention keeps, or a policy run would recompute buckets
-- from nothing and erase their history.
SELECT alter_job(j.job_id,
                 config => jsonb_set(j.config, ARRAY['start_offset'],
                                     to_jsonb(%(start_offset)s::interval::text)))
FROM timescaledb_information.jobs j
WHERE j.proc_name = 'policy_refresh_continuous_aggregate'
  AND j.hypertable_schema = current_schema()
