-- Hierarchy counts are exact (small tables); stored revisions are TimescaleDB's estimate from
-- statistics, which stays cheap at any size (exact counting would read every chunk).
SELECT (SELECT count(*) FROM grid) AS grids,
       (SELECT count(*) FROM grid_region) AS regions,
       (SELECT count(*) FROM grid_node) AS nodes,
       approximate_row_count('measures') AS revisions
