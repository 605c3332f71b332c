-- The rollups, rebuilt on the integers (the one-second aggregate depends on the column, so the
-- chain goes and comes back). series_latest divides by the kind's scale (a join with series and
-- kind, which TimescaleDB does not track: the guards keep a series' kind, and a kind in use its
-- decimals), so it and everything above it still hold values in the kind's unit.
CREATE MATERIALIZED VIEW series_latest
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT m.series_id,
       time_bucket(INTERVAL '1 second', m.timestamp_measured) AS target,
       last(m.value::float8 / k.scale, m.timestamp_collected) AS value,
       last(m.quality, m.timestamp_collected) AS quality,
       max(m.timestamp_collected) AS timestamp_collected,
       count(*) AS revisions
FROM measures m
JOIN series s ON s.id = m.series_id
JOIN kind k ON k.name = s.kind
GROUP BY m.series_id, time_bucket(INTERVAL '1 second', m.timestamp_measured)
WITH NO DATA;
-- series_1h, region_1h and grid_1h over it: 0010_exact_values.rollups.sql.
