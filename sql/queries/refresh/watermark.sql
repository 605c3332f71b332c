-- Whether a write's targets from `first` on may already be in a rollup, so a refresh must be
-- queued: a gridts continuous aggregate has materialised past `first`, or TimescaleDB's
-- invalidation threshold of measures has moved past it. A refresh moves the threshold first,
-- in a transaction of its own, and the watermark only when its materialisation commits. A
-- write that commits between the two may be missing from the materialisation and is not
-- below the watermark yet: by the threshold, it is queued (TimescaleDB logs its own
-- invalidations by the same threshold, read at commit). Big latest reads rely on this
-- (measures/fresh.sql). (An empty aggregate's watermark is the lowest timestamp, 4714 BC:
-- compared here, never fetched.)
--
-- lowest: the lowest of the aggregates' watermarks, but never below `first`. Every rollup has
-- materialised what lies before it, so untouched days between written ones there need no
-- refresh (gridts.refresh.queue.windows).
SELECT coalesce(bool_or(
           _timescaledb_functions.to_timestamp(
               _timescaledb_functions.cagg_watermark(c.mat_hypertable_id)) > %(first)s),
       false)
    OR coalesce((SELECT _timescaledb_functions.to_timestamp(t.watermark) > %(first)s
                   FROM _timescaledb_catalog.continuous_aggs_invalidation_threshold t
                   JOIN _timescaledb_catalog.hypertable h ON h.id = t.hypertable_id
                  WHERE h.schema_name = current_schema() AND h.table_name = 'measures'),
                false) AS queue,
       greatest(min(_timescaledb_functions.to_timestamp(
                    _timescaledb_functions.cagg_watermark(c.mat_hypertable_id))),
                %(first)s) AS lowest
FROM _timescaledb_catalog.continuous_agg c
WHERE c.user_view_schema = current_schema() AND c.user_view_name = ANY(%(views)s)
