"""Rollups of nodes, regions and grids at raw, hourly or daily resolution, routed by range."""
