-- Rows whose key is already stored are skipped here; the caller then tells duplicates (same
-- value and quality) from conflicts (another value or quality) and rolls back on a conflict.
-- Values go in as integers of their kind's smallest unit (value * scale, migration 0010); a
-- value that is not exactly such an integer (more decimals than the kind keeps, or too large to
-- hold them) is left out too, and the caller refuses the batch, naming the rows (inexact.sql).
INSERT INTO measures (series_id, timestamp_measured, timestamp_collected, value, quality)
SELECT st.series_id, st.timestamp_measured, st.timestamp_collected,
       CAST(round(st.value * k.scale) AS bigint), st.quality
FROM ingest_staging st
JOIN series s ON s.id = st.series_id
JOIN kind k ON k.name = s.kind
WHERE st.value IS NULL
   OR (abs(st.value) * k.scale <= 2 ^ 53 AND round(st.value * k.scale) / k.scale = st.value)
ON CONFLICT DO NOTHING
