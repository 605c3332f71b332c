"""gridts: energy-grid time series with every forecast revision, on TimescaleDB."""

__version__ = "0.1.0"
