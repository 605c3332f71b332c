-- Every count is exact. Stored revisions too: TimescaleDB counts a compressed chunk from its
-- batches' metadata (a row per batch of up to 1,000 revisions), so only the uncompressed chunks
-- (the newest, within compress_after) are scanned. Measured on 2 shared cores, a year of the
-- default data set (709,560 rows, 51 of 53 chunks compressed): 20 ms median with statistics,
-- 60-75 ms before ANALYZE has run on the chunks (the planner then overestimates and JIT-compiles);
-- all uncompressed, right after loading: 35-60 ms. approximate_row_count took 1 ms but read 0
-- until ANALYZE (or autovacuum, a minute or more later) had run on the new chunks.
SELECT (SELECT count(*) FROM grid) AS grids,
       (SELECT count(*) FROM grid_region) AS regions,
       (SELECT count(*) FROM grid_node) AS nodes,
       (SELECT count(*) FROM series) AS series,
       (SELECT count(*) FROM measures) AS revisions
