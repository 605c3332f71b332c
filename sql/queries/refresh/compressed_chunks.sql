-- The wholly compressed chunks of the named rollups' materialisations (%(views)s) that overlap
-- [%(start)s, %(end)s) and hold materialised rows there: each view, and its chunk's bounds.
-- Materialised rows lie below the view's watermark, so a window starting at or above it (the
-- next hour's) deletes nothing, and its refresh decompresses nothing. A partly compressed chunk
-- (status bit 8) already holds rows in the rowstore, decompressed by an earlier refresh or
-- written there: refreshing a day of it again is cheap. Read from TimescaleDB's catalog, as its
-- own timescaledb_information.chunks does (status bit 1: compressed): that view costs about
-- 5 ms a call, and the refresher asks on every drain, once a second while writes arrive.
SELECT view_name, range_start, range_end
FROM (
    SELECT a.user_view_name AS view_name,
           _timescaledb_functions.to_timestamp(s.range_start) AS range_start,
           _timescaledb_functions.to_timestamp(s.range_end) AS range_end,
           _timescaledb_functions.to_timestamp(
               _timescaledb_functions.cagg_watermark(a.mat_hypertable_id)) AS watermark
    FROM _timescaledb_catalog.continuous_agg a
    JOIN _timescaledb_catalog.chunk k ON k.hypertable_id = a.mat_hypertable_id
    JOIN _timescaledb_catalog.chunk_constraint cc ON cc.chunk_id = k.id
    JOIN _timescaledb_catalog.dimension_slice s ON s.id = cc.dimension_slice_id
    WHERE a.user_view_schema = current_schema()
      AND a.user_view_name = ANY(%(views)s::text[])
      AND k.status & 1 = 1 AND k.status & 8 = 0
) AS c
WHERE range_end > %(start)s::timestamptz AND range_start < %(end)s::timestamptz
  AND %(start)s::timestamptz < watermark
ORDER BY view_name, range_start
