SELECT alter_job(j.job_id,
                 config => jsonb_set(j.config, ARRAY['drop_after'], to_jsonb(%(keep)s::interval::text)))
FROM timescaledb_information.jobs j
WHERE j.job_id = %(job_id)s
