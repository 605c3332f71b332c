-- Keys sent more than once in the batch with different values.
SELECT node_id, timestamp_measured, timestamp_collected
FROM ingest_staging
GROUP BY node_id, timestamp_measured, timestamp_collected
HAVING min(value) <> max(value)
ORDER BY 1, 2, 3
LIMIT %(limit)s
