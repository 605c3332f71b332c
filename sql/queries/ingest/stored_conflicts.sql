-- Keys of the batch already stored with another value or quality, and what is stored (in the
-- kind's unit). The target range bounds the join so that only the batch's chunks are planned.
SELECT st.series_id, st.timestamp_measured, st.timestamp_collected, m.value::float8 / k.scale,
       m.quality
FROM ingest_staging st
JOIN measures m USING (series_id, timestamp_measured, timestamp_collected)
JOIN series s ON s.id = st.series_id
JOIN kind k ON k.name = s.kind
WHERE m.timestamp_measured BETWEEN %(first)s AND %(last)s
  AND (m.value IS DISTINCT FROM CAST(round(st.value * k.scale) AS bigint)
       OR m.quality <> st.quality)
ORDER BY 1, 2, 3
LIMIT %(limit)s
