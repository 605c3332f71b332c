INSERT INTO rollup_refresh_queue (window_start, window_end) VALUES (%(start)s, %(end)s)
