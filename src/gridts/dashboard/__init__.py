"""An overview of what gridts holds: counts, grids, ranges, compression, rollup materialisation."""
