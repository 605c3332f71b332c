-- Before this instant no raw measure is left: the retention policy's boundary, or the start of
-- the oldest chunk still stored if that is earlier (the policy drops whole chunks, on its own
-- schedule). No row: no policy.
SELECT least(now() - (j.config->>'drop_after')::interval,
             (SELECT min(c.range_start)
              FROM timescaledb_information.chunks c
              WHERE c.hypertable_schema = current_schema() AND c.hypertable_name = 'measures'))
FROM timescaledb_information.jobs j
WHERE j.proc_name = 'policy_retention'
  AND j.hypertable_schema = current_schema()
  AND j.hypertable_name = 'measures'
