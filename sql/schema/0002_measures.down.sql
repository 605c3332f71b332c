DROP TABLE IF EXISTS measures;
DROP TRIGGER IF EXISTS grid_region_guard ON grid_region;
DROP TRIGGER IF EXISTS grid_node_guard ON grid_node;
DROP FUNCTION IF EXISTS gridts_guard_region();
DROP FUNCTION IF EXISTS gridts_guard_node();
