-- Rows of the batch whose value is not exactly an integer of its kind's smallest unit: more
-- decimals than the kind keeps, or too large to hold them in 53 bits (insert.sql leaves them
-- out). With the kind and its decimals, for the message.
SELECT st.series_id, st.timestamp_measured, st.timestamp_collected, k.name, k.decimals
FROM ingest_staging st
JOIN series s ON s.id = st.series_id
JOIN kind k ON k.name = s.kind
WHERE st.value IS NOT NULL
  AND NOT (abs(st.value) * k.scale <= 2 ^ 53 AND round(st.value * k.scale) / k.scale = st.value)
ORDER BY 1, 2, 3
LIMIT %(limit)s
