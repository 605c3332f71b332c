-- Rows per day of one hypertable over its last %(window)s of stored times, how many days of
-- data it holds in all (the newest time minus the oldest), and its newest time.
WITH newest AS (SELECT max({column}) AS t, min({column}) AS first FROM {table})
SELECT count(*)::float8
       / greatest(extract(epoch FROM least(%(window)s::interval, n.t - n.first)) / 86400, 1),
       extract(epoch FROM n.t - n.first) / 86400,
       n.t
FROM newest n
LEFT JOIN {table} m ON m.{column} > n.t - %(window)s::interval
GROUP BY n.t, n.first
