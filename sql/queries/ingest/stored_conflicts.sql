-- Keys of the batch already stored with another value. The target range bounds the join so
-- that only the batch's chunks are planned.
SELECT s.node_id, s.timestamp_measured, s.timestamp_collected, m.value
FROM ingest_staging s
JOIN measures m USING (node_id, timestamp_measured, timestamp_collected)
WHERE m.timestamp_measured BETWEEN %(first)s AND %(last)s
  AND m.value <> s.value
ORDER BY 1, 2, 3
LIMIT %(limit)s
