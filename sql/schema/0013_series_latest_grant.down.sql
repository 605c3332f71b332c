-- gridts_api reads series_latest through its view alone again, and nothing in TimescaleDB's
-- internal schema: 0013 granted it the materialisation hypertable there, and only that.
REVOKE SELECT ON ALL TABLES IN SCHEMA _timescaledb_internal FROM gridts_api;
