DROP TABLE rollup_refresh_queue;
