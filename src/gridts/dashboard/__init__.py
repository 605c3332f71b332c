"""An overview of what gridts holds: counts, ranges, compression, rollup materialisation."""
