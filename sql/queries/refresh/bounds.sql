-- The UTC days that hold raw data: where an unbounded refresh has anything to read.
SELECT date_trunc('day', min(timestamp_measured), 'UTC'),
       date_trunc('day', max(timestamp_measured), 'UTC') + INTERVAL '1 day'
FROM measures
