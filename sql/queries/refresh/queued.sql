SELECT id, window_start, window_end FROM rollup_refresh_queue ORDER BY id LIMIT %(limit)s
