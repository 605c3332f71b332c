-- A write's windows to refresh (gridts.refresh.queue.windows), one queue entry each.
INSERT INTO rollup_refresh_queue (window_start, window_end)
SELECT * FROM unnest(%(starts)s::timestamptz[], %(ends)s::timestamptz[])
