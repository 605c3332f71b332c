-- Keys sent more than once in the batch with different values or qualities (a null value
-- equals a null value: a missing observation sent twice is a duplicate).
SELECT series_id, timestamp_measured, timestamp_collected
FROM ingest_staging
GROUP BY series_id, timestamp_measured, timestamp_collected
HAVING min(value) <> max(value)
    OR count(value) NOT IN (0, count(*))
    OR min(quality) <> max(quality)
ORDER BY 1, 2, 3
LIMIT %(limit)s
