-- Covered target and collection ranges. min/max(timestamp_measured) walk the time index from
-- either end (first and last chunk only); the collection range has no index and reads the
-- column (on compressed chunks only the batches' min/max metadata).
SELECT (SELECT min(timestamp_measured) FROM measures) AS target_first,
       (SELECT max(timestamp_measured) FROM measures) AS target_last,
       min(timestamp_collected) AS collected_first,
       max(timestamp_collected) AS collected_last
FROM measures
