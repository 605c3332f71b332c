-- The rollups hold integers of the kind's smallest unit, as measures does since 0010 (issue 14).
-- In 0010 series_latest divided by the kind's scale, so it and series_1h stored float8 values,
-- whose 3-decimal mantissas Gorilla's XOR cannot shrink: 8 bytes a value, and series_1h's four
-- statistics of an hourly series are one value four times. As integers they get delta-of-delta
-- and simple-8b like measures. Readers divide by kind.scale (sql/queries/rollups/, Grafana's
-- dashboards), and sums over nodes are exact: integers added as float8 up to 2^53.
-- The columns name their unit (value_units, total_units...), so a query written for 0010's
-- values fails instead of reading numbers 10^decimals too large.
-- Compressed batches of up to 4,000 rows instead of TimescaleDB's 1,000, for measures and every
-- rollup. A batch's values column is TOASTed in chunks of 1,996 bytes, and three ~2.5 kB values
-- fill an 8 kB page; fewer, larger values waste less of it (measured, bytes per stored revision
-- of measures: 3.91 -> 3.37 on a year of the seed shape, 4.09 -> 3.27 on 7 years of the history
-- shape, 3.63 with 2,000 rows). Reading one node's day costs the same (p50 0.7-0.9 ms either
-- way): with batches ordered by lead, such a read decompresses a batch per lead anyway. The
-- setting is read by whatever session compresses (the policy's job included), so it goes on the
-- database; chunks compressed before keep their batches until compressed again.
-- And no JIT compilation: the continuous aggregates' refresh queries read the real-time views
-- below them, whose estimated cost (tens of millions of rows) makes PostgreSQL compile every
-- query with LLVM, inlining and optimising included: 235 of the 241 ms region_1h took to
-- refresh one late hour at year scale (auto_explain), and region_1h over two weeks took 10.4 s
-- against 1.1 s without it. gridts's reads are short index- and segment-driven scans that the
-- same compile time would only delay. Set on the database, it reaches the service, the
-- refresher, the policies' jobs and Grafana.
-- And a custom plan for every execution of a prepared statement. psycopg prepares a statement
-- on its fifth execution on a connection, and PostgreSQL switches a prepared statement to its
-- generic plan (planned without the parameters' values: no chunk exclusion, no estimates of the
-- range) after five more: at year scale the latest values of all nodes over a day went from
-- 90 ms to 770 ms after the service's ~20th request, and stayed there (bench/README.md).
DO $settings$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET timescaledb.compression_batch_size_limit = 4000',
                   current_database());
    EXECUTE format('ALTER DATABASE %I SET jit = off', current_database());
    EXECUTE format('ALTER DATABASE %I SET plan_cache_mode = force_custom_plan',
                   current_database());
END
$settings$;

DROP MATERIALIZED VIEW grid_1h;
DROP MATERIALIZED VIEW region_1h;
DROP MATERIALIZED VIEW series_1h;
DROP MATERIALIZED VIEW series_latest;

-- Every target's latest revision. It reads measures alone (0010's needed series and kind for the
-- scale): a refresh no longer joins every revision.
CREATE MATERIALIZED VIEW series_latest
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT series_id,
       time_bucket(INTERVAL '1 second', timestamp_measured) AS target,
       last(value, timestamp_collected) AS value_units,
       last(quality, timestamp_collected) AS quality,
       max(timestamp_collected) AS timestamp_collected,
       count(*) AS revisions
FROM measures
GROUP BY series_id, time_bucket(INTERVAL '1 second', timestamp_measured)
WITH NO DATA;

-- Per series and hour, over the usable latest values (quality < 2): the mean is
-- sum_units / count / scale. sum_units is float8 (a sum of bigints is numeric, which the
-- columnstore does not compress; integers stay exact in float8 up to 2^53).
CREATE MATERIALIZED VIEW series_1h
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT series_id,
       time_bucket(INTERVAL '1 hour', target) AS bucket,
       min(value_units) FILTER (WHERE quality < 2) AS min_units,
       max(value_units) FILTER (WHERE quality < 2) AS max_units,
       sum(value_units::float8) FILTER (WHERE quality < 2) AS sum_units,
       count(*) FILTER (WHERE quality < 2) AS count,
       count(*) FILTER (WHERE quality = 1) AS estimated
FROM series_latest
GROUP BY series_id, time_bucket(INTERVAL '1 hour', target)
WITH NO DATA;

-- Per region, kind and subtype: the series' hourly means added up (one kind, so one scale);
-- a mean kind's value is total_units / nodes / scale.
CREATE MATERIALIZED VIEW region_1h
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT n.region_id,
       time_bucket(INTERVAL '1 hour', h.bucket) AS bucket,
       s.kind,
       s.subtype,
       sum(h.sum_units / h.count) AS total_units,
       count(h.sum_units) AS nodes,
       sum(h.estimated)::bigint AS estimated
FROM series_1h h
JOIN series s ON s.id = h.series_id
JOIN grid_node n ON n.id = s.node_id
GROUP BY n.region_id, s.kind, s.subtype, time_bucket(INTERVAL '1 hour', h.bucket)
WITH NO DATA;

CREATE MATERIALIZED VIEW grid_1h
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT r.grid_id,
       time_bucket(INTERVAL '1 hour', h.bucket) AS bucket,
       h.kind,
       h.subtype,
       sum(h.total_units) AS total_units,
       sum(h.nodes)::bigint AS nodes,
       sum(h.estimated)::bigint AS estimated
FROM region_1h h
JOIN grid_region r ON r.id = h.region_id
GROUP BY r.grid_id, h.kind, h.subtype, time_bucket(INTERVAL '1 hour', h.bucket)
WITH NO DATA;
-- Policies, compression, grants and the refresh of every stored day: 0010_exact_values.policies.sql.
