-- The planner counts region_1h's groups (region, kind, subtype, hour) from series' kind and
-- subtype. Where no series has a subtype (most grids), ANALYZE knows only that subtype is NULL,
-- and the planner takes its default of 200 distinct values: 4,000,000 groups for half a year of
-- 100 regions, which has 434,400. It then sorted 4.3 M rows on disk before aggregating, where a
-- hash table of 130 MB does (gridts.refresh.views gives the refresh that memory): half a year
-- of region_1h refreshed in 5.1 s before, 3.3 s after (bench/README.md, "region_1h's refresh
-- hashed"). Statistics on the pair count what series holds, and autovacuum's ANALYZE keeps them.
CREATE STATISTICS series_kind_subtype (ndistinct) ON kind, subtype FROM series;
ANALYZE series;
