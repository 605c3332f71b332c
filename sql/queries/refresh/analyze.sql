-- The planner's statistics of the hierarchy, taken before a wide refresh (gridts.refresh.views).
-- region_1h's refresh hashes its groups only where the planner counts them right (series' kind
-- and subtype: migration 0014). Autovacuum analyzes a changed table on its next round only, a
-- minute later by default, so a refresh right after the nodes were created had no statistics:
-- 400 series of one kind were counted as 165 (kind, subtype) pairs, as before 0014
-- (tests/system/test_schema.py). 10-30 ms for 1,000 nodes. A role that does not own the tables
-- gets a warning, not an error, and the refresh goes on with the statistics there are.
ANALYZE series, grid_node, grid_region
