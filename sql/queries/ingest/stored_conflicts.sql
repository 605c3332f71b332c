-- Keys of the batch already stored with another value or quality, and what is stored. The
-- target range bounds the join so that only the batch's chunks are planned.
SELECT s.series_id, s.timestamp_measured, s.timestamp_collected, m.value, m.quality
FROM ingest_staging s
JOIN measures m USING (series_id, timestamp_measured, timestamp_collected)
WHERE m.timestamp_measured BETWEEN %(first)s AND %(last)s
  AND (m.value IS DISTINCT FROM s.value OR m.quality <> s.quality)
ORDER BY 1, 2, 3
LIMIT %(limit)s
