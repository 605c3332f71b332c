DELETE FROM rollup_refresh_queue WHERE id = ANY(%(ids)s)
