-- Rows whose key is already stored are skipped here; the caller then tells duplicates (same
-- value and quality) from conflicts (another value or quality) and rolls back on a conflict.
INSERT INTO measures (series_id, timestamp_measured, timestamp_collected, value, quality)
SELECT series_id, timestamp_measured, timestamp_collected, value, quality FROM ingest_staging
ON CONFLICT DO NOTHING
