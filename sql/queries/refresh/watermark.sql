-- Whether any of gridts' continuous aggregates has materialised past the batch's first target:
-- then a rollup already holds a bucket this write changes, and it needs a refresh. (An empty
-- aggregate's watermark is the lowest timestamp, 4714 BC: compared here, never fetched.)
SELECT coalesce(bool_or(
           _timescaledb_functions.to_timestamp(
               _timescaledb_functions.cagg_watermark(c.mat_hypertable_id)) > %(first)s),
       false)
FROM _timescaledb_catalog.continuous_agg c
WHERE c.user_view_schema = current_schema() AND c.user_view_name = ANY(%(views)s)
