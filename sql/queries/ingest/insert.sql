-- Rows whose key is already stored are skipped here; the caller then tells duplicates (same
-- value) from conflicts (another value) and rolls back on a conflict.
INSERT INTO measures (node_id, timestamp_measured, timestamp_collected, value)
SELECT node_id, timestamp_measured, timestamp_collected, value FROM ingest_staging
ON CONFLICT DO NOTHING
