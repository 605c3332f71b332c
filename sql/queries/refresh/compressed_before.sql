-- Per rollup with a compression policy: the instant before which that policy has compressed, or
-- will compress, the chunks of its materialisation. The policy compresses a chunk once the
-- chunk's end is compress_after behind now(), so this is the start of the chunk holding
-- now() - compress_after (chunks of a fixed interval are aligned on the Unix epoch), floored to
-- a UTC day so that it is a bucket boundary of every rollup.
SELECT c.view_name,
       date_trunc('day', to_timestamp(
           floor(extract(epoch FROM now() - (j.config->>'compress_after')::interval)
                 / extract(epoch FROM d.time_interval))
           * extract(epoch FROM d.time_interval)), 'UTC') AS compressed_before
FROM timescaledb_information.continuous_aggregates c
JOIN timescaledb_information.jobs j
  ON j.proc_name = 'policy_compression'
 AND j.hypertable_schema = c.view_schema
 AND j.hypertable_name = c.view_name
JOIN timescaledb_information.dimensions d
  ON d.hypertable_schema = c.materialization_hypertable_schema
 AND d.hypertable_name = c.materialization_hypertable_name
 AND d.dimension_number = 1
WHERE c.view_schema = current_schema()
  AND d.time_interval IS NOT NULL
